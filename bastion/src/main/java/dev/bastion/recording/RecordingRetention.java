package dev.bastion.recording;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.RecordingRemovals;
import dev.bastion.keys.TimeSpans;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.recorder.Seal;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code recording.retention}: at start and then every hour, on a thread of its own, removes the
 * recordings (and seals) of sessions that ended longer ago than the retention, a bounded batch per
 * run (the next run a minute later while a full batch shows a backlog). Each removal is first
 * written to the audit log ({@code recording_removed}: the file, its size and SHA-256) together
 * with the session's {@code recording_removed_at}, and only then are the files deleted: a crash or
 * a failed delete leaves a removal marked pending, which the next run finishes without a second
 * row. A recording that is already missing is not recorded as removed (that would hide it from
 * {@code recordings verify}); it is logged at every run instead. In a fleet only the node that acts
 * for the fleet (the oldest) runs; the others look again at each of their runs, so a successor
 * takes over within the hour.
 */
public final class RecordingRetention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordingRetention.class);
  static final int BATCH = 500;
  static final Duration EVERY = Duration.ofHours(1);

  /** After a full batch: soon again, so a backlog (retention just turned on) goes in hours. */
  static final Duration CATCHING_UP = Duration.ofMinutes(1);

  private static final String CODE = "retention";
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

  /** What one run did. */
  public record Run(int removed, int finished, int failed, int missing) {}

  private final RecordingStore store;
  private final Path root;
  private final Duration retention;
  private final RecordingRemovals removals;
  private final Clock clock;
  private final int batch;
  private final BooleanSupplier actsForFleet;
  // Whether the last run stopped at its bound with expired recordings perhaps left (guarded by
  // this).
  private boolean backlog;
  private final ScheduledExecutorService runs =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "recording-retention");
            t.setDaemon(true);
            return t;
          });

  public RecordingRetention(
      RecordingStore store,
      Duration retention,
      RecordingRemovals removals,
      Clock clock,
      BooleanSupplier actsForFleet) {
    this(store, retention, removals, clock, BATCH, actsForFleet);
  }

  /**
   * As the public constructor, removing at most {@code batch} recordings per run; scheduled runs
   * only while {@code actsForFleet} says this node acts for the fleet.
   */
  RecordingRetention(
      RecordingStore store,
      Duration retention,
      RecordingRemovals removals,
      Clock clock,
      int batch,
      BooleanSupplier actsForFleet) {
    this.batch = batch;
    this.actsForFleet = actsForFleet;
    this.store = store;
    this.root = store.root();
    this.retention = retention;
    this.removals = removals;
    this.clock = clock;
  }

  /** Runs now (in the background), then every hour, or every minute while a backlog lasts. */
  public RecordingRetention start() {
    next(Duration.ZERO);
    return this;
  }

  private void runLogged() {
    Duration next = EVERY;
    try {
      if (scheduledRun().isPresent() && backlog()) {
        next = CATCHING_UP;
      }
    } catch (RuntimeException e) {
      LOG.error("removing expired recordings failed; tried again in an hour: {}", e.toString());
    }
    next(next);
  }

  private void next(Duration in) {
    try {
      runs.schedule(this::runLogged, in.toSeconds(), TimeUnit.SECONDS);
    } catch (RejectedExecutionException closed) {
      // the bastion is stopping
    }
  }

  /**
   * A scheduled run: {@link #removeExpired()} on the node that acts for the fleet; empty (nothing
   * done) on the others, so that two nodes never remove the same recordings at once.
   */
  Optional<Run> scheduledRun() {
    if (!actsForFleet.getAsBoolean()) {
      LOG.debug("recording retention: another node of the fleet removes expired recordings");
      return Optional.empty();
    }
    return Optional.of(removeExpired());
  }

  /** One run: finishes pending removals, then removes up to a batch of expired recordings. */
  public synchronized Run removeExpired() {
    Run pending = finishPending();
    Run expired = removeBatch();
    Run run =
        new Run(
            expired.removed(),
            pending.finished(),
            pending.failed() + expired.failed(),
            expired.missing());
    if (run.removed() + run.finished() + run.failed() > 0) {
      LOG.info(
          "recording retention ({}): removed {} expired recordings, finished {} removals an"
              + " earlier run left, {} could not be deleted (tried again at the next run)",
          TimeSpans.describe(retention),
          run.removed(),
          run.finished(),
          run.failed());
    }
    return run;
  }

  /** Deletes what removals written before left on disk (a failed delete, a crash). */
  private Run finishPending() {
    int finished = 0;
    int failed = 0;
    for (RecordingRemovals.Recording pending : removals.pending(batch)) {
      if (deleteFiles(pending)) {
        finished++;
      } else {
        failed++;
      }
    }
    return new Run(0, finished, failed, 0);
  }

  /** Removes expired recordings, oldest first, until a batch is done or none are left. */
  private Run removeBatch() {
    int removed = 0;
    int missing = 0;
    int failed = 0;
    Instant cutoff = clock.instant().minus(retention);
    RecordingRemovals.Recording after = null;
    while (removed + failed < batch) {
      List<RecordingRemovals.Recording> page =
          removals.expired(cutoff, after, batch - removed - failed);
      if (page.isEmpty()) {
        break;
      }
      for (RecordingRemovals.Recording expired : page) {
        after = expired;
        Path file = fileOf(expired);
        if (file == null || !Files.exists(file)) {
          missing++;
          LOG.warn(
              "the expired recording of session {} is missing ({}), though retention never removed"
                  + " it; 'bastion recordings verify' reports it",
              expired.sessionId(),
              expired.path());
        } else if (remove(expired, file)) {
          removed++;
        } else {
          failed++;
        }
      }
    }
    backlog = removed + failed >= batch;
    return new Run(removed, 0, failed, missing);
  }

  private synchronized boolean backlog() {
    return backlog;
  }

  /** Writes the removal row, then deletes; false if the files could not all be deleted. */
  private boolean remove(RecordingRemovals.Recording expired, Path file) {
    Evidence evidence;
    try {
      evidence = Evidence.of(expired, file);
    } catch (IOException e) {
      LOG.error("cannot read the expired recording {}: {}", file, e.toString());
      return false;
    }
    AuditEvent row =
        new AuditEvent(
            clock.instant().truncatedTo(ChronoUnit.MILLIS), // as the database keeps it
            AuditKind.RECORDING_REMOVED,
            expired.identity(),
            null,
            null,
            expired.sessionId(),
            expired.target(),
            expired.login(),
            CODE,
            expired.path()
                + " and its seal: "
                + evidence.describe()
                + "; the session ended at "
                + expired.endedAt()
                + ", more than "
                + TimeSpans.describe(retention)
                + " ago (recording.retention)");
    if (!removals.removing(row, evidence.size(), evidence.sha256()).join()) {
      return true; // removed meanwhile by another run
    }
    return deleteFiles(expired);
  }

  /** Deletes a removed recording's files and then empty day directories; marks the removal done. */
  private boolean deleteFiles(RecordingRemovals.Recording removed) {
    Path file = fileOf(removed);
    if (file == null) {
      return false;
    }
    try {
      Files.deleteIfExists(file);
      Files.deleteIfExists(Seal.sealFileOf(file));
    } catch (IOException e) {
      LOG.error(
          "cannot delete the expired recording of session {} ({}): {}; tried again at the next run",
          removed.sessionId(),
          file,
          e.toString());
      return false;
    }
    removals.removed(removed.sessionId()).join();
    removeEmptyDirectories(file.getParent());
    return true;
  }

  /**
   * Removes the recording's day directory, then its month and year, when empty and over (two days
   * back, so a recording starting now never finds its directory removed under it).
   */
  private void removeEmptyDirectories(Path dayDir) {
    String current = DAY.format(clock.instant().minus(Duration.ofDays(2)));
    Path dir = dayDir;
    while (dir != null && dir.startsWith(root) && !dir.equals(root)) {
      String period = root.relativize(dir).toString();
      if (period.compareTo(current.substring(0, Math.min(period.length(), current.length())))
          >= 0) {
        return;
      }
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        LOG.warn("cannot remove the empty directory {}: {}", dir, e.toString());
        return;
      }
      dir = dir.getParent();
    }
  }

  /** The recording file, only if the database's path stays inside the recordings directory. */
  private Path fileOf(RecordingRemovals.Recording recording) {
    Path file = store.resolve(recording.path()).orElse(null);
    if (file == null) {
      LOG.error(
          "session {} names a recording outside {}: {}; not touched",
          recording.sessionId(),
          root,
          recording.path());
      return null;
    }
    return file;
  }

  @Override
  public void close() {
    runs.shutdownNow();
    try {
      runs.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
