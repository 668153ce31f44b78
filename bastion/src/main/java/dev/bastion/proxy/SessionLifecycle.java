package dev.bastion.proxy;

import dev.bastion.approval.ApprovalGate;
import dev.bastion.config.BastionConfig;
import dev.bastion.policy.Grant;
import dev.bastion.recorder.SessionRecording;
import dev.bastion.sftp.TransferCommand;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.sshd.client.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of one session's state: every handler here runs on the session's event executor,
 * one at a time, in the order the events came ({@link ProxiedSession} posts them), so none of these
 * fields is touched by any other thread. It decides each transition of {@link SessionState}; its
 * parts do the work: {@link SessionSetup} the asynchronous steps, {@link TargetChannel} the
 * target's channel, {@link SessionStreams} the pumps, {@link RecordingTap} the recording, {@link
 * FourEyes} the approvals, {@link SessionAudit} the audit rows.
 */
final class SessionLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(SessionLifecycle.class);

  /**
   * How long a termination waits for its line, and the target's last output, to reach the engineer:
   * a client that stops reading (its window closed) must not keep its session alive.
   */
  static final Duration TELL_GRACE = Duration.ofSeconds(5);

  private final ProxiedSession session;
  private final String id;
  private final Grant grant;
  private final SessionKind kind;
  private final TransferCommand transfer;
  private final ClientChannel client;
  private final SessionServices services;
  private final SessionAudit audit;
  private final RecordingTap recording;
  private final SessionStreams streams;
  private final SessionSetup setup;

  private volatile SessionState state = SessionState.AUTHORIZED;
  private PtyRequest terminal;
  private boolean rowWritten;
  private SessionEnd endWhenRowWritten;
  private String terminatedFor;
  private boolean toldWhy;
  private boolean targetDone;
  private SessionEnd ended;
  private FourEyes fourEyes;
  private ClientSession upstream;
  private TargetChannel target;

  SessionLifecycle(
      ProxiedSession session,
      PtyRequest pty,
      TransferCommand transfer,
      ClientChannel client,
      SessionServices services,
      SessionAudit audit,
      RecordingTap recording,
      SessionStreams streams,
      SessionSetup setup) {
    this.session = session;
    this.id = session.id();
    this.grant = session.grant();
    this.kind = session.kind();
    this.terminal = pty;
    this.transfer = transfer;
    this.client = client;
    this.services = services;
    this.audit = audit;
    this.recording = recording;
    this.streams = streams;
    this.setup = setup;
  }

  /** Read by anyone (tests, the web viewer); written only here. */
  SessionState state() {
    return state;
  }

  // --- setup -----------------------------------------------------------------------------------

  void admit() {
    LiveSessions.NotAdmitted refusal = services.live().admit(session);
    if (refusal != null) {
      state = SessionState.ENDED;
      setup.abandon();
      LOG.info("session {} not admitted: {}", id, refusal.message());
      audit.refused(refusal.code(), refusal.message());
      client.refuse(refusal.message(), 1);
      return;
    }
    if (grant.target().requireApproval().isEmpty()) {
      setup.connectAhead();
    }
    setup.writeRow((ok, failure) -> rowWritten(failure));
  }

  private void rowWritten(Throwable failure) {
    if (failure != null) {
      services.live().remove(session);
      LOG.error("session {} refused: audit write failed: {}", id, failure.getMessage());
      if (state != SessionState.ENDING) {
        client.refuse(
            "the audit log cannot be written, so no session may start; tell the bastion's"
                + " operators",
            1);
      }
      state = SessionState.ENDED;
      setup.abandon();
      return;
    }
    rowWritten = true;
    audit.started(session.startedAt());
    LOG.info(
        "session {} started: {} -> {}@{} ({})",
        id,
        grant.identity(),
        grant.login(),
        grant.target().name(),
        kind.code());
    if (endWhenRowWritten != null) {
      finish(endWhenRowWritten);
    } else if ((kind == SessionKind.SFTP || transfer != null)
        && grant.target().requireApproval().isPresent()) {
      onRefused(
          "approval_needs_terminal",
          "target "
              + grant.target().name()
              + " needs watching approvers, and file transfers cannot be watched; use a shell"
              + " session");
    } else if (kind == SessionKind.SFTP) {
      connect(); // file transfers are audited per operation, not recorded byte by byte
    } else {
      setup.startRecording(terminal, this::recordingStarted);
    }
  }

  private void recordingStarted(SessionRecording started, Throwable failure) {
    if (state == SessionState.ENDED) {
      services.recorder().finish(started, ended.reason()); // the engineer left while it was created
      return;
    }
    Optional<BastionConfig.Approval> approval = grant.target().requireApproval();
    String refusal =
        recording.attach(started, failure, approval.isPresent() ? grant.target().name() : null);
    if (refusal != null) {
      onRefused("recording_failed", refusal);
      return;
    }
    if (terminal == null) {
      recording.binaryAsRuns();
    }
    if (transfer != null) {
      recording.note(
          "[file transfer: "
              + session.command()
              + "; not recorded byte by byte; see the audit log]\r\n");
    }
    if (approval.isPresent()) {
      awaitApprovers(approval.get());
    } else {
      connect();
    }
  }

  /** No upstream login before enough approvers watch. */
  private void awaitApprovers(BastionConfig.Approval policy) {
    state = SessionState.WAITING_FOR_APPROVAL;
    fourEyes = new FourEyes(session, client, recording, audit, policy, services);
    if (terminal != null) {
      streams.readEarly(fourEyes.input());
    }
    fourEyes.request(services);
  }

  void onApproved() {
    if (state == SessionState.WAITING_FOR_APPROVAL) {
      connect();
    }
  }

  private void connect() {
    state = SessionState.CONNECTING;
    setup.login(this::connected);
  }

  private void connected(ClientSession login, Throwable failure) {
    if (state == SessionState.ENDED || terminatedFor != null) {
      if (login != null) {
        login.close(true);
      }
      return;
    }
    if (failure != null) {
      UpstreamException why = setup.why(failure);
      onRefused(why.code(), why.getMessage());
      return;
    }
    upstream = login;
    setup.openChannel(login, terminal, this::channelOpened);
  }

  private void channelOpened(TargetChannel opened, Throwable failure) {
    if (state == SessionState.ENDED) {
      closeUpstream();
      return;
    }
    if (failure != null) {
      UpstreamException why = setup.why(failure);
      onRefused(why.code(), why.getMessage());
      return;
    }
    target = opened;
    if (terminatedFor != null) {
      targetDone = true; // terminated while the channel was opening: it never runs
      closeUpstream();
      if (toldWhy) {
        end(SessionEnd.terminated(terminatedFor));
      }
      return;
    }
    if (terminal != null && terminal != opened.openedWith()) {
      opened.resize(terminal); // resized while the channel was opening
    }
    state =
        fourEyes != null && fourEyes.gate().state() == ApprovalGate.State.PAUSED
            ? SessionState.PAUSED
            : SessionState.RUNNING;
    streams.connect(
        opened, recording, fourEyes == null ? null : fourEyes.input(), session::targetEnded);
  }

  // --- while it runs ---------------------------------------------------------------------------

  void onWindowChange(int columns, int rows, int width, int height) {
    if (terminal == null || state == SessionState.ENDED) {
      return;
    }
    terminal = terminal.resized(columns, rows, width, height); // held to sane bounds
    recording.resize(terminal.columns(), terminal.rows());
    if (target != null) {
      target.resize(terminal);
    }
  }

  void onTargetRequest(String what, Consumer<TargetChannel> send) {
    if (target == null || state != SessionState.RUNNING) {
      // A signal or break is input too: while a four-eyes session is paused it does not go through.
      LOG.info("session {}: {} dropped ({})", id, what, state);
      return;
    }
    send.accept(target);
  }

  void onPaused(boolean paused) {
    if (paused && state == SessionState.RUNNING) {
      state = SessionState.PAUSED;
    } else if (!paused && state == SessionState.PAUSED) {
      state = SessionState.RUNNING;
    }
  }

  void onNotice(String text) {
    if (state == SessionState.ENDING || state == SessionState.ENDED || terminatedFor != null) {
      return;
    }
    recording.marker(text);
    client.tell(text, () -> {});
  }

  // --- ending ----------------------------------------------------------------------------------

  void onClientGone() {
    if (state == SessionState.ENDED) {
      return;
    }
    if (fourEyes != null) {
      fourEyes.requesterLeft();
    }
    end(SessionEnd.clientGone());
  }

  void onTerminate(String reason) {
    if (state == SessionState.ENDED || terminatedFor != null) {
      return;
    }
    terminatedFor = reason;
    recording.marker(reason);
    // A client that stopped reading holds the last output, and the line, back: end regardless.
    session.later(TELL_GRACE, () -> end(SessionEnd.terminated(terminatedFor)));
    if (target != null) {
      state = SessionState.ENDING;
      target.close(); // nothing more reaches the target; the line follows its last output
    } else {
      tellWhy();
    }
  }

  /**
   * One line on stderr saying why. Only once the target's output has drained: MINA may leave a
   * stderr write waiting for window space that stdout keeps taking.
   */
  private void tellWhy() {
    client.tell(terminatedFor, () -> session.post(this::afterTerminateTold));
  }

  /** The engineer has the line saying why: the session ends once the target's side is done. */
  private void afterTerminateTold() {
    toldWhy = true;
    if (target == null || targetDone) {
      end(SessionEnd.terminated(terminatedFor));
    }
  }

  void onRefused(String code, String message) {
    if (state == SessionState.ENDED) {
      return;
    }
    LOG.info("session {} failed: {}", id, message);
    audit.refused(code, message);
    end(SessionEnd.refused(message));
  }

  /** The target's channel closed and all its output reached the engineer: pass on how it ended. */
  void onTargetEnded() {
    if (state == SessionState.ENDED) {
      return;
    }
    targetDone = true;
    if (terminatedFor != null && !toldWhy) {
      tellWhy(); // the session ends once it is out (or when the grace period is over)
      return;
    }
    end(
        SessionEnd.ofTarget(
            target.exitStatus(), target.exitSignal(), terminatedFor, grant.target().name()));
  }

  /** Ends now, or as soon as the session's audit row exists (so that rows come in order). */
  private void end(SessionEnd end) {
    if (state == SessionState.ENDED) {
      return;
    }
    if (!rowWritten) {
      state = SessionState.ENDING;
      endWhenRowWritten = end;
      return;
    }
    finish(end);
  }

  private void finish(SessionEnd end) {
    state = SessionState.ENDED;
    ended = end;
    if (fourEyes != null) {
      fourEyes.close();
    }
    long in = streams.bytesIn();
    long out = streams.bytesOut();
    if (transfer != null && target != null) {
      String moved = in + " bytes to the target, " + out + " bytes from it";
      audit.fileOperation(transfer.direction(), session.command() + ": " + moved);
      recording.note("[file transfer ended: " + moved + "]\r\n");
    }
    audit.ended(end, in, out);
    LOG.info(
        "session {} ended: {} (status {}, signal {}, {} in, {} out)",
        id,
        end.reason(),
        end.status(),
        end.signal(),
        in,
        out);
    recording.finish(end.reason());
    // Only now, with its seal handed to the recorder: a shutdown waiting for the last session to go
    // (LiveSessions.awaitNone) must not stop the recorder before this session's seal is written.
    // Nor may it cut the connection before the engineer has the exit status: it waits for the
    // engineer's channel to close too (or for a client that stopped reading to be given up on).
    services
        .live()
        .remove(
            session,
            closed -> {
              client.whenClosed(closed);
              session.later(TELL_GRACE.multipliedBy(2), closed);
            });
    streams.finish();
    setup.abandon();
    closeUpstream();
    services
        .setupHold()
        .release(SetupHold.Step.EXIT_STATUS, id)
        .thenRun(() -> end.toClient().accept(client));
  }

  private void closeUpstream() {
    if (upstream != null) {
      upstream.close(false);
    }
  }
}
