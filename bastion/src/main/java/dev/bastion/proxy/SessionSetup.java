package dev.bastion.proxy;

import dev.bastion.policy.Grant;
import dev.bastion.recorder.RecordingHeader;
import dev.bastion.recorder.SessionRecording;
import dev.bastion.upstream.TargetConnection;
import dev.bastion.upstream.UpstreamException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.apache.sshd.client.session.ClientSession;

/**
 * The asynchronous steps that set a session up (its audit row, its recording, the login to the
 * target, the channel there), each delivering its result as an event on the session's executor.
 * What to do with a result is the session's decision; this class only knows how to take a step.
 */
final class SessionSetup {
  private final String id;
  private final Grant grant;
  private final SessionKind kind;
  private final String command;
  private final Map<String, String> env;
  private final Instant startedAt;
  private final SessionServices services;
  private final SessionAudit audit;
  private final Executor events;
  // Owned by the session's executor, as the lifecycle that calls this.
  private CompletableFuture<TargetConnection> opening;

  SessionSetup(
      String id,
      Grant grant,
      SessionKind kind,
      String command,
      Map<String, String> env,
      Instant startedAt,
      SessionServices services,
      SessionAudit audit,
      Executor events,
      CompletableFuture<TargetConnection> connectedAhead) {
    this.id = id;
    this.grant = grant;
    this.kind = kind;
    this.command = command;
    this.env = env;
    this.startedAt = startedAt;
    this.services = services;
    this.audit = audit;
    this.events = events;
    this.opening = connectedAhead;
  }

  /** Writes the session's row (state live); no session may start before it exists. */
  void writeRow(BiConsumer<Void, Throwable> then) {
    String path = kind == SessionKind.SFTP ? null : services.recorder().relativePath(id, startedAt);
    step(SetupHold.Step.SESSION_ROW, audit.sessionRow(startedAt, path), then);
  }

  /** Creates the recording, its header showing the terminal as it is now. */
  void startRecording(PtyRequest terminal, BiConsumer<SessionRecording, Throwable> then) {
    RecordingHeader header =
        new RecordingHeader(
            terminal == null ? 80 : terminal.columns(),
            terminal == null ? 24 : terminal.rows(),
            startedAt,
            terminal == null ? env.getOrDefault("TERM", "") : terminal.term(),
            grant.identity() + ": " + grant.login() + "@" + grant.target().name(),
            kind == SessionKind.EXEC ? command : null,
            terminal != null);
    step(SetupHold.Step.RECORDING_START, services.recorder().start(id, startedAt, header), then);
  }

  /**
   * Starts connecting to the target (TCP, key exchange, host key check; no authentication) while
   * the audit row is written and the recording created, so that the login can follow at once. Not
   * for four-eyes targets: nothing reaches them before approval (nor does {@link ConnectAhead}
   * start one for them).
   */
  void connectAhead() {
    if (opening == null) { // unless the engineer's login started it already (ConnectAhead)
      opening = services.upstream().open(grant);
    }
  }

  /** Logs in to the target with a fresh key and a two-minute certificate. */
  void login(BiConsumer<ClientSession, Throwable> then) {
    CompletableFuture<TargetConnection> ahead = opening;
    opening = null;
    step(
        SetupHold.Step.UPSTREAM_LOGIN,
        ahead == null
            ? services.upstream().connect(grant, id)
            : ahead.thenCompose(
                connection ->
                    connection.isOpen()
                        ? services.upstream().login(connection, grant, id)
                        // opened long ago (a multiplexing master) and given up: a fresh one
                        : services.upstream().connect(grant, id)),
        then);
  }

  /** The session ended before its login: a connection opened ahead is closed. */
  void abandon() {
    if (opening != null) {
      opening.thenAccept(TargetConnection::close);
      opening = null;
    }
  }

  /** Opens the same kind of channel on the target, with the terminal as it is now. */
  void openChannel(
      ClientSession upstream, PtyRequest terminal, BiConsumer<TargetChannel, Throwable> then) {
    step(
        SetupHold.Step.CHANNEL_OPEN,
        TargetChannel.open(grant.target().name(), upstream, kind, command, terminal, env),
        then);
  }

  /** Why a login or channel open failed, with the audit code and a line for the engineer. */
  UpstreamException why(Throwable failure) {
    return failure instanceof UpstreamException ue
        ? ue
        : new UpstreamException(
            "upstream_error", "cannot reach " + grant.target().name() + ": " + failure, failure);
  }

  /** Runs {@code then} on the executor with the step's result, once any test hold releases it. */
  private <T> void step(
      SetupHold.Step step, CompletableFuture<T> work, BiConsumer<T, Throwable> then) {
    work.whenComplete(
        (value, failure) ->
            services
                .setupHold()
                .release(step, id)
                .thenRun(() -> events.execute(() -> then.accept(value, unwrap(failure)))));
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
