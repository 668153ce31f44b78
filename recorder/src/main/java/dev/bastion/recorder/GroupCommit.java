package dev.bastion.recorder;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Writes every open recording's pending events to its file every {@value #INTERVAL_MS} ms, on one
 * thread of its own (never an SSH or web event thread): one write per recording per interval,
 * however many small events it had.
 */
public final class GroupCommit implements AutoCloseable {
  static final long INTERVAL_MS = 50;

  private final Set<SessionRecording> open = ConcurrentHashMap.newKeySet();
  private volatile LongConsumer writeTimes = nanos -> {};
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "recording-group-commit");
            t.setDaemon(true);
            return t;
          });

  public GroupCommit() {
    thread.scheduleWithFixedDelay(this::flushAll, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  public void register(SessionRecording recording) {
    open.add(recording);
    recording.attach(this);
  }

  /** A recording has a lot waiting: write it now instead of at the next tick. */
  void flushSoon(SessionRecording recording) {
    try {
      thread.execute(recording::flush);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // shutting down; close() flushes everything
    }
  }

  /** Tells {@code nanos} how long each batch write to a recording file took (for metrics). */
  public void timeWrites(LongConsumer nanos) {
    this.writeTimes = nanos;
  }

  void wrote(long nanos) {
    writeTimes.accept(nanos);
  }

  public void unregister(SessionRecording recording) {
    open.remove(recording);
  }

  private void flushAll() {
    for (SessionRecording recording : open) {
      recording.flush();
    }
  }

  @Override
  public void close() {
    thread.shutdown();
    flushAll();
  }
}
