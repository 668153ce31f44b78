package dev.bastion.proxy;

import dev.bastion.approval.ApprovalFlow;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.SessionRecord;
import dev.bastion.config.BastionConfig;
import dev.bastion.policy.Grant;
import dev.bastion.recorder.RecordingHeader;
import dev.bastion.recorder.SessionRecording;
import dev.bastion.sftp.SftpAuditor;
import dev.bastion.upstream.UpstreamException;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engineer's session channel proxied to one target channel: it logs in upstream, opens the same
 * kind of channel with the same terminal, pumps the three streams, forwards window changes and
 * signals, and when either side ends, ends the other and writes the audit row.
 */
public final class ProxiedSession {
  private static final Logger LOG = LoggerFactory.getLogger(ProxiedSession.class);

  private final String id;
  private final Grant grant;
  private final SessionKind kind;
  private final String command;
  private final PtyRequest pty;

  /** The terminal as it is now: a four-eyes session may be resized while it waits for approvers. */
  private volatile PtyRequest terminalNow;

  private final Map<String, String> env;
  private final String source;
  private final dev.bastion.proxy.ClientChannel client;
  private final IoInputStream clientIn;
  private final SessionServices services;
  private final Instant startedAt;

  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicInteger pendingEnds = new AtomicInteger();
  private volatile ClientSession upstream;
  private volatile ClientChannel channel;
  private volatile boolean channelOpen;
  private volatile ChannelPump input;
  private volatile ChannelPump output;
  private volatile ChannelPump errors;
  private volatile String endReason;
  private volatile boolean terminated;
  private volatile SessionRecording recording;
  private final SftpAuditor sftp;
  private volatile ApprovalFlow approval;
  private volatile GatedInput gatedInput;
  private volatile boolean recordingFailed;

  ProxiedSession(
      String id,
      Grant grant,
      SessionKind kind,
      String command,
      PtyRequest pty,
      Map<String, String> env,
      String source,
      dev.bastion.proxy.ClientChannel client,
      IoInputStream clientIn,
      SessionServices services) {
    this.id = id;
    this.grant = grant;
    this.kind = kind;
    this.command = command;
    this.pty = pty;
    this.terminalNow = pty;
    this.env = Map.copyOf(env);
    this.source = source;
    this.client = client;
    this.clientIn = clientIn;
    this.services = services;
    this.startedAt = services.clock().instant();
    this.sftp = kind == SessionKind.SFTP ? new SftpAuditor(this::fileOperation) : null;
  }

  /** One row per file operation of an sftp (or scp) session; the bytes are not recorded. */
  private void fileOperation(String operation, String detail) {
    services
        .audit()
        .record(
            new AuditEvent(
                services.clock().instant(),
                AuditEvent.FILE_OPERATION,
                grant.identity(),
                null,
                source,
                id,
                grant.target().name(),
                grant.login(),
                operation,
                detail));
  }

  private ChannelPump.Tap sftpTap(boolean fromClient) {
    return (data, offset, length) -> {
      if (fromClient) {
        sftp.fromClient(data, offset, length);
      } else {
        sftp.fromTarget(data, offset, length);
      }
    };
  }

  public String id() {
    return id;
  }

  public String identity() {
    return grant.identity();
  }

  public Grant grant() {
    return grant;
  }

  public SessionKind kind() {
    return kind;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** Records the start, then connects; all asynchronous. */
  void start() {
    String refusal = services.live().admit(this);
    if (refusal != null) {
      client.refuse(refusal, 1);
      return;
    }
    SessionRecord record =
        new SessionRecord(
            id,
            grant.identity(),
            grant.roles(),
            grant.target().name(),
            grant.login(),
            kind.code(),
            command,
            source,
            startedAt,
            null,
            SessionRecord.LIVE,
            null,
            null,
            0,
            0,
            null,
            kind == SessionKind.SFTP ? null : services.recorder().relativePath(id, startedAt),
            null);
    services
        .audit()
        .sessionStarted(record)
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                services.live().remove(this);
                LOG.error("session {} refused: audit write failed: {}", id, failure.getMessage());
                client.refuse(
                    "the audit log cannot be written, so no session may start; tell the bastion's operators",
                    1);
                return;
              }
              LOG.info(
                  "session {} started: {} -> {}@{} ({})",
                  id,
                  grant.identity(),
                  grant.login(),
                  grant.target().name(),
                  kind.code());
              services
                  .audit()
                  .record(
                      new AuditEvent(
                          startedAt,
                          AuditEvent.SESSION_STARTED,
                          grant.identity(),
                          Long.toUnsignedString(grant.serial()),
                          source,
                          id,
                          grant.target().name(),
                          grant.login(),
                          kind.code(),
                          "roles "
                              + String.join(",", grant.roles())
                              + (command == null ? "" : ", command: " + command)));
              if (kind == SessionKind.SFTP && grant.target().requireApproval().isPresent()) {
                endBeforeStart(
                    "approval_needs_terminal",
                    "target "
                        + grant.target().name()
                        + " needs watching approvers, and file transfers cannot be watched; use a shell session");
                return;
              }
              if (kind == SessionKind.SFTP) {
                // File transfers are not recorded byte by byte.
                services.upstream().connect(grant, id).whenComplete(this::connected);
                return;
              }
              services
                  .recorder()
                  .start(id, startedAt, header())
                  .whenComplete(
                      (started, problem) -> {
                        String unrecorded = null;
                        if (problem != null) {
                          Throwable cause =
                              problem instanceof CompletionException ? problem.getCause() : problem;
                          unrecorded = cause.getMessage();
                          if (services.recorder().strict()) {
                            endBeforeStart(
                                "recording_failed",
                                "the session cannot be recorded ("
                                    + unrecorded
                                    + "), so it may not start; tell the bastion's operators");
                            return;
                          }
                          LOG.error("session {} runs unrecorded (best_effort): {}", id, unrecorded);
                          auditRecordingProblem(unrecorded);
                        }
                        recording = started;
                        Optional<BastionConfig.Approval> approvalPolicy =
                            grant.target().requireApproval();
                        if (approvalPolicy.isPresent() && started == null) {
                          // Approvers approve by watching, and an unrecorded session cannot be
                          // watched.
                          endBeforeStart(
                              "recording_failed",
                              "target "
                                  + grant.target().name()
                                  + " needs watching approvers, and the"
                                  + " session cannot be recorded ("
                                  + unrecorded
                                  + "), so nobody could watch it; tell the bastion's operators");
                        } else if (approvalPolicy.isPresent()) {
                          awaitApprovers(approvalPolicy.get());
                        } else {
                          services.upstream().connect(grant, id).whenComplete(this::connected);
                        }
                      });
            });
  }

  // --- four-eyes -----------------------------------------------------------------------------

  /**
   * Holds the session until enough approvers watch it: no upstream login before that. With a
   * terminal the engineer's keystrokes are read (Ctrl-C cancels) but go nowhere until the target is
   * reached; without one, input is not read until then.
   */
  private void awaitApprovers(BastionConfig.Approval policy) {
    ApprovalFlow flow =
        new ApprovalFlow(policy, new FlowSession(), startedAt, services.approvals());
    approval = flow;
    gatedInput = new GatedInput(flow.gate(), recordingTap(true, 0), flow::cancelledByRequester);
    if (pty != null) {
      input = gatedInputPump();
      input.start();
    }
    flow.request(services.config().web().publicUrl(), services.webhook());
  }

  /** The engineer's input on a four-eyes session: the gate both receives it and holds it back. */
  private ChannelPump gatedInputPump() {
    return new ChannelPump(
        "in " + id, clientIn, gatedInput, gatedInput, failure -> gatedInput.close(false));
  }

  /** This session as the four-eyes flow drives it. */
  private final class FlowSession implements ApprovalFlow.Session {
    @Override
    public String id() {
      return id;
    }

    @Override
    public String requester() {
      return grant.identity();
    }

    @Override
    public String target() {
      return grant.target().name();
    }

    @Override
    public String login() {
      return grant.login();
    }

    @Override
    public String kind() {
      return kind.code();
    }

    @Override
    public String command() {
      return command;
    }

    @Override
    public void tell(String message) {
      client.tell(message, () -> {});
    }

    @Override
    public void start(String message) {
      client.tell(
          message,
          () ->
              services.upstream().connect(grant, id).whenComplete(ProxiedSession.this::connected));
    }

    @Override
    public void refuse(String code, String message) {
      endBeforeStart(code, message);
    }

    @Override
    public void terminate(String reason) {
      ProxiedSession.this.terminate(reason);
    }

    @Override
    public void marker(String text) {
      ProxiedSession.this.marker(text);
    }

    @Override
    public void audit(String eventKind, String detail) {
      services
          .audit()
          .record(
              new AuditEvent(
                  services.clock().instant(),
                  eventKind,
                  grant.identity(),
                  null,
                  source,
                  id,
                  grant.target().name(),
                  grant.login(),
                  "four_eyes",
                  detail));
    }
  }

  private RecordingHeader header() {
    return new RecordingHeader(
        pty == null ? 80 : pty.columns(),
        pty == null ? 24 : pty.rows(),
        startedAt,
        pty == null ? env.getOrDefault("TERM", "") : pty.term(),
        grant.identity() + ": " + grant.login() + "@" + grant.target().name(),
        kind == SessionKind.EXEC ? command : null);
  }

  /**
   * A tap that records what passes, and holds the pump back while the recording's disk is behind.
   */
  private ChannelPump.Tap recordingTap(boolean input, int stream) {
    SessionRecording r = recording;
    if (r == null || (input && !services.recorder().recordsInput())) {
      return null;
    }
    return new ChannelPump.Tap() {
      @Override
      public void chunk(byte[] data, int offset, int length) {
        if (recordingFailed) {
          return;
        }
        if (input) {
          r.input(data, offset, length);
        } else {
          r.output(stream, data, offset, length);
        }
        checkRecording();
      }

      @Override
      public boolean ready() {
        return recordingFailed || r.writable();
      }

      @Override
      public void whenReady(Runnable resume) {
        r.whenWritable(resume);
      }
    };
  }

  /** Ends the session (strict) or goes on unrecorded (best_effort) once its recording failed. */
  public void checkRecording() {
    SessionRecording r = recording;
    if (r == null || recordingFailed || r.failure() == null) {
      return;
    }
    recordingFailed = true;
    String problem = r.failure().getMessage();
    auditRecordingProblem(problem);
    if (services.recorder().strict()) {
      LOG.error("session {} ended: recording failed: {}", id, problem);
      terminate("the session recording cannot be written (" + problem + "); session ended");
    } else {
      LOG.error("session {} goes on unrecorded (best_effort): {}", id, problem);
    }
  }

  private void auditRecordingProblem(String problem) {
    services
        .audit()
        .record(
            new AuditEvent(
                services.clock().instant(),
                "recording_failed",
                grant.identity(),
                null,
                source,
                id,
                grant.target().name(),
                grant.login(),
                services.recorder().strict() ? "strict" : "best_effort",
                problem));
  }

  private void connected(ClientSession session, Throwable failure) {
    if (failure != null) {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      String message =
          cause instanceof UpstreamException ue
              ? ue.getMessage()
              : "cannot reach " + grant.target().name() + ": " + cause;
      endBeforeStart(cause instanceof UpstreamException ue ? ue.code() : "upstream_error", message);
      return;
    }
    this.upstream = session;
    if (finished.get()) {
      session.close(true);
      return;
    }
    try {
      PtyRequest asked = terminalNow;
      ClientChannel opened = openChannel(session, asked);
      this.channel = opened;
      opened
          .open()
          .addListener(
              open -> {
                if (!open.isOpened()) {
                  endBeforeStart(
                      "target_refused_channel",
                      "target "
                          + grant.target().name()
                          + " refused to open the "
                          + kind.code()
                          + " channel"
                          + (open.getException() == null
                              ? ""
                              : ": " + open.getException().getMessage()));
                  return;
                }
                channelOpen = true;
                PtyRequest latest = terminalNow;
                if (latest != asked) {
                  forwardWindowChange(latest); // resized while the channel was opening
                }
                startPumps(opened);
              });
    } catch (IOException | RuntimeException e) {
      endBeforeStart(
          "upstream_error",
          "cannot open a channel on " + grant.target().name() + ": " + e.getMessage());
    }
  }

  private ClientChannel openChannel(ClientSession session, PtyRequest now) throws IOException {
    PtyChannelConfiguration terminal = new PtyChannelConfiguration();
    if (now != null) {
      terminal.setPtyType(now.term());
      terminal.setPtyColumns(now.columns());
      terminal.setPtyLines(now.rows());
      terminal.setPtyWidth(now.width());
      terminal.setPtyHeight(now.height());
      terminal.setPtyModes(now.modes());
    }
    ClientChannel opened;
    switch (kind) {
      case SHELL -> {
        ChannelShell shell = session.createShellChannel(terminal, env);
        shell.setUsePty(pty != null);
        opened = shell;
      }
      case EXEC -> {
        ChannelExec exec = session.createExecChannel(command, terminal, env);
        exec.setUsePty(pty != null);
        opened = exec;
      }
      case SFTP -> opened = session.createSubsystemChannel("sftp");
      default -> throw new IllegalStateException("unknown kind " + kind);
    }
    opened.setStreaming(StreamingChannel.Streaming.Async);
    opened.setRedirectErrorStream(false);
    return opened;
  }

  private void startPumps(ClientChannel opened) {
    boolean hasErr = opened.getAsyncErr() != null;
    pendingEnds.set(hasErr ? 3 : 2);
    output =
        new ChannelPump(
            "out " + id,
            opened.getAsyncOut(),
            client.out(),
            sftp != null ? sftpTap(false) : recordingTap(false, 0),
            this::streamEnded);
    errors =
        hasErr
            ? new ChannelPump(
                "err " + id,
                opened.getAsyncErr(),
                client.err(),
                recordingTap(false, 1),
                this::streamEnded)
            : null;
    boolean inputRuns = input != null; // four-eyes with a terminal: reading since the request
    if (gatedInput != null) {
      gatedInput.connect(opened.getAsyncIn());
      if (!inputRuns) {
        input = gatedInputPump();
      }
    } else {
      input =
          new ChannelPump(
              "in " + id,
              clientIn,
              opened.getAsyncIn(),
              sftp != null ? sftpTap(true) : recordingTap(true, 0),
              failure -> {
                // The engineer sent EOF (or went away): pass EOF on once pending input is written.
                opened.getAsyncIn().close(false);
              });
    }
    opened.addCloseFutureListener(closed -> streamEnded(null));
    output.start();
    if (errors != null) {
      errors.start();
    }
    if (!inputRuns) {
      input.start();
    }
  }

  private void streamEnded(Throwable failure) {
    if (failure != null) {
      LOG.debug("session {} stream ended: {}", id, failure.toString());
    }
    if (pendingEnds.decrementAndGet() == 0) {
      targetEnded();
    }
  }

  /** The target's channel closed and all its output reached the engineer: pass on how it ended. */
  private void targetEnded() {
    ClientChannel opened = channel;
    Integer status = opened == null ? null : opened.getExitStatus();
    String signal = opened == null ? null : opened.getExitSignal();
    closeUpstream();
    if (terminated) {
      end(255, null, endReason);
      client.exit(255);
    } else if (signal != null) {
      end(null, signal, "killed by signal " + signal);
      client.exitBySignal(signal);
    } else if (status != null) {
      end(status, null, "exited");
      client.exit(status);
    } else {
      String why = "connection to target " + grant.target().name() + " lost";
      end(255, null, why);
      client.refuse(why, 255);
    }
  }

  /** The engineer's channel closed (client went away or the connection dropped). */
  void clientClosed() {
    if (!finished.get()) {
      if (approval != null) {
        approval.requesterLeft();
      }
      end(null, null, "client disconnected");
      closeUpstream();
    }
  }

  /**
   * Ends the session from the bastion's side (shutdown, revocation, an operator), telling the
   * engineer why.
   */
  public void terminate(String reason) {
    if (finished.get()) {
      return;
    }
    terminated = true;
    endReason = reason;
    SessionRecording r = recording;
    if (r != null && !recordingFailed) {
      r.marker(reason);
    }
    ClientChannel opened = channel;
    client.tell(
        reason,
        () -> {
          if (opened != null) {
            opened.close(true);
          } else {
            end(255, null, reason);
            closeUpstream();
            client.exit(255);
          }
        });
  }

  /** A marker in this session's recording (a viewer joined or left). */
  public void marker(String text) {
    SessionRecording r = recording;
    if (r != null && !recordingFailed) {
      r.marker(text);
    }
  }

  void windowChanged(int columns, int rows, int width, int height) {
    PtyRequest before = terminalNow;
    PtyRequest now = before == null ? null : before.resized(columns, rows, width, height);
    terminalNow = now;
    SessionRecording r = recording;
    if (r != null && !recordingFailed) {
      r.resize(columns, rows);
    }
    if (channelOpen && now != null) {
      forwardWindowChange(now);
    }
  }

  private void forwardWindowChange(PtyRequest size) {
    if (channel instanceof org.apache.sshd.client.channel.PtyCapableChannelSession terminal) {
      try {
        terminal.sendWindowChange(size.columns(), size.rows(), size.height(), size.width());
      } catch (IOException e) {
        LOG.debug("session {}: window-change not forwarded: {}", id, e.getMessage());
      }
    }
  }

  /** Forwards a {@code signal} request (name without "SIG") to the target's channel. */
  void signal(String name) {
    sendRequest("signal", buffer -> buffer.putString(name));
  }

  void sendBreak(long millis) {
    sendRequest("break", buffer -> buffer.putUInt(millis));
  }

  private void sendRequest(String request, java.util.function.Consumer<Buffer> body) {
    ClientChannel opened = channel;
    ClientSession session = upstream;
    if (opened == null || session == null || opened.isClosing()) {
      return;
    }
    ApprovalFlow flow = approval;
    if (flow != null && !flow.gate().inputAllowed()) {
      // A signal or break is input too: while a four-eyes session is paused it does not go through.
      LOG.info("session {}: {} dropped while paused for approvers", id, request);
      return;
    }
    try {
      Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
      buffer.putUInt(((org.apache.sshd.common.channel.AbstractChannel) opened).getRecipient());
      buffer.putString(request);
      buffer.putBoolean(false);
      body.accept(buffer);
      opened.writePacket(buffer);
    } catch (IOException e) {
      LOG.debug("session {}: {} not forwarded: {}", id, request, e.getMessage());
    }
  }

  private void endBeforeStart(String code, String message) {
    LOG.info("session {} failed: {}", id, message);
    services
        .audit()
        .record(
            new AuditEvent(
                services.clock().instant(),
                AuditEvent.SESSION_REFUSED,
                grant.identity(),
                null,
                source,
                id,
                grant.target().name(),
                grant.login(),
                code,
                message));
    end(1, null, message);
    closeUpstream();
    client.refuse(message, 1);
  }

  private void end(Integer status, String signal, String reason) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    services.live().remove(this);
    if (approval != null) {
      approval.close();
    }
    long in = input == null ? 0 : input.bytes();
    long out = (output == null ? 0 : output.bytes()) + (errors == null ? 0 : errors.bytes());
    Instant now = services.clock().instant();
    services.audit().sessionEnded(id, now, status, signal, in, out, reason);
    services
        .audit()
        .record(
            new AuditEvent(
                now,
                AuditEvent.SESSION_ENDED,
                grant.identity(),
                null,
                source,
                id,
                grant.target().name(),
                grant.login(),
                signal != null ? "signal" : status == null ? "disconnected" : "exit",
                reason
                    + (status != null ? ", exit status " + status : "")
                    + (signal != null ? ", signal " + signal : "")
                    + ", "
                    + in
                    + " bytes in, "
                    + out
                    + " bytes out"));
    LOG.info(
        "session {} ended: {} (status {}, signal {}, {} in, {} out)",
        id,
        reason,
        status,
        signal,
        in,
        out);
    services.recorder().finish(recording, reason);
    if (sftp != null) {
      sftp.finish();
    }
  }

  private void closeUpstream() {
    ClientSession session = upstream;
    if (session != null) {
      session.close(false);
    }
  }
}
