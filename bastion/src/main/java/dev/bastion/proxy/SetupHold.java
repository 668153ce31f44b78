package dev.bastion.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a session's setup may be held with a step's result in hand, before the session sees it.
 * Production never holds; tests hold a step to make a race happen every time (the engineer leaves
 * while the recording is being created, while the target is logging the bastion in, ...).
 */
public interface SetupHold {
  /** The asynchronous steps of a session's setup, in the order they run. */
  enum Step {
    SESSION_ROW,
    RECORDING_START,
    UPSTREAM_LOGIN,
    CHANNEL_OPEN
  }

  SetupHold NONE = (step, sessionId) -> CompletableFuture.completedFuture(null);

  /** Completes when the session may go on with the result of {@code step}. */
  CompletionStage<Void> release(Step step, String sessionId);
}
