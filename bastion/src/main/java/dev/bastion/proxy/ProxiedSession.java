package dev.bastion.proxy;

import dev.bastion.policy.Grant;
import dev.bastion.sftp.SftpAuditor;
import dev.bastion.sftp.TransferCommand;
import dev.bastion.upstream.TargetConnection;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.io.IoInputStream;

/**
 * One engineer's session channel proxied to one target channel, as the rest of the bastion sees it:
 * who and where, and the events anyone may post to it (the engineer left, terminate, a resize, a
 * signal, approvers came or went). Each event runs later on the session's own executor, in the
 * order posted, where {@link SessionLifecycle} decides what it means.
 */
public final class ProxiedSession {
  private final String id;
  private final Grant grant;
  private final SessionKind kind;
  private final String command;
  private final Instant startedAt;
  private final SessionExecutor events;
  private final RecordingTap recording;
  private final SessionStreams streams;
  private final SessionLifecycle lifecycle;

  ProxiedSession(
      String id,
      Grant grant,
      SessionKind kind,
      String command,
      PtyRequest pty,
      Map<String, String> env,
      String source,
      ClientChannel client,
      IoInputStream clientIn,
      SessionServices services,
      CompletableFuture<TargetConnection> connectedAhead) {
    this.id = id;
    this.grant = grant;
    this.kind = kind;
    this.command = command;
    this.startedAt = services.clock().instant();
    this.events = new SessionExecutor(SessionExecutor.SHARED);
    SessionAudit audit =
        new SessionAudit(services.audit(), services.clock(), id, grant, kind, command, source);
    this.recording =
        new RecordingTap(
            id,
            services.recorder(),
            audit,
            reason -> events.execute(() -> lifecycle().onTerminate(reason)));
    // A file transfer run as a command (scp -t, rsync --server, git-upload-pack): audited, its
    // bytes not recorded. Only without a terminal: with one, it is a terminal session like any.
    TransferCommand transfer =
        kind == SessionKind.EXEC && pty == null ? TransferCommand.of(command).orElse(null) : null;
    this.streams =
        new SessionStreams(
            id,
            client,
            clientIn,
            kind == SessionKind.SFTP ? new SftpAuditor(audit::fileOperation) : null,
            transfer != null);
    SessionSetup setup =
        new SessionSetup(
            id,
            grant,
            kind,
            command,
            Map.copyOf(env),
            startedAt,
            services,
            audit,
            events,
            connectedAhead);
    this.lifecycle =
        new SessionLifecycle(
            this, pty, transfer, client, services, audit, recording, streams, setup);
  }

  private SessionLifecycle lifecycle() {
    return lifecycle;
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

  String command() {
    return command;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public SessionState state() {
    return lifecycle.state();
  }

  /** Bytes the target sent to the engineer so far. */
  public long bytesOut() {
    return streams.bytesOut();
  }

  /** Admits the session, writes its audit row, creates its recording, then connects. */
  void start() {
    events.execute(lifecycle::admit);
  }

  /** The engineer's channel closed (client went away or the connection dropped). */
  void clientClosed() {
    events.execute(lifecycle::onClientGone);
  }

  /** Ends the session from the bastion's side (operator, revocation, shutdown), telling why. */
  public void terminate(String reason) {
    events.execute(() -> lifecycle.onTerminate(reason));
  }

  /**
   * One line on the engineer's stderr, and a marker in the recording, while the session goes on
   * (the node is shutting down); nothing once it is ending.
   */
  public void notice(String text) {
    events.execute(() -> lifecycle.onNotice(text));
  }

  /** A marker in this session's recording (a viewer joined or left). */
  public void marker(String text) {
    recording.marker(text);
  }

  /** Looks for a failed recording (once a second, for sessions that are quiet). */
  public void checkRecording() {
    recording.check();
  }

  void windowChanged(int columns, int rows, int width, int height) {
    events.execute(() -> lifecycle.onWindowChange(columns, rows, width, height));
  }

  void signal(String name) {
    events.execute(() -> lifecycle.onTargetRequest("signal " + name, c -> c.signal(name)));
  }

  void sendBreak(long millis) {
    events.execute(() -> lifecycle.onTargetRequest("break", c -> c.sendBreak(millis)));
  }

  /** Four-eyes: enough approvers watch; the engineer was told. */
  void approved() {
    events.execute(lifecycle::onApproved);
  }

  /** Four-eyes: too few approvers watch ({@code true}), or enough again. */
  void paused(boolean paused) {
    events.execute(() -> lifecycle.onPaused(paused));
  }

  /** Ends a session that has not started, telling the engineer why; audited as refused. */
  void refuse(String code, String message) {
    events.execute(() -> lifecycle.onRefused(code, message));
  }

  /** Any other event of this session's, in order with the rest. */
  void post(Runnable event) {
    events.execute(event);
  }

  /** Posts {@code event} after {@code delay}. */
  void later(java.time.Duration delay, Runnable event) {
    events.later(delay, event);
  }

  /** The target's streams ended and its channel closed. */
  void targetEnded() {
    events.execute(lifecycle::onTargetEnded);
  }
}
