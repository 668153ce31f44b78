package dev.bastion.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a session's setup (and its end) may be held with a step's result in hand, before the
 * session sees it. Production never holds; tests hold a step to make a race happen every time (the
 * engineer leaves while the recording is being created, while the target is logging the bastion in,
 * a shutdown while the exit status is on its way, ...).
 */
public interface SetupHold {
  /** The asynchronous steps of a session's setup, in the order they run, then its end. */
  enum Step {
    SESSION_ROW,
    RECORDING_START,
    UPSTREAM_LOGIN,
    CHANNEL_OPEN,
    /** The session has ended (row, seal); the engineer's exit status is about to be sent. */
    EXIT_STATUS
  }

  SetupHold NONE = (step, sessionId) -> CompletableFuture.completedFuture(null);

  /** Completes when the session may go on with the result of {@code step}. */
  CompletionStage<Void> release(Step step, String sessionId);
}
