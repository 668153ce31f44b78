package dev.bastion.recording;

import dev.bastion.audit.AuditLog;
import dev.bastion.config.BastionConfig;
import dev.bastion.recorder.GroupCommit;
import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.RecordingFailedException;
import dev.bastion.recorder.RecordingHeader;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.recorder.Seal;
import dev.bastion.recorder.SessionRecording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records sessions: creates each recording (off the SSH threads), feeds the live hub from the same
 * lines as the file, and seals recordings when sessions end, storing the digest in the audit
 * database. Recordings that a killed process left open are sealed as interrupted at the next start.
 */
public final class SessionRecorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRecorder.class);

  private final RecordingStore store;
  private final GroupCommit commit = new GroupCommit();
  private final LiveHub hub = new LiveHub();
  private final KeyPair key;
  private final BastionConfig.Recording settings;
  private final AuditLog audit;
  private final Clock clock;
  private final boolean enabled;
  private final ThreadPoolExecutor io =
      new ThreadPoolExecutor(
          1,
          2,
          30,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(10_000),
          r -> {
            Thread t = new Thread(r, "recording-io");
            t.setDaemon(true);
            return t;
          });

  public SessionRecorder(
      Path dataDir, KeyPair key, BastionConfig.Recording settings, AuditLog audit, Clock clock) {
    this.store = settings.store(dataDir);
    this.key = key;
    this.settings = settings;
    this.audit = audit;
    this.clock = clock;
    // Only for benchmarks that measure what recording costs; never documented as a user setting.
    this.enabled = !"off".equals(System.getProperty("bastion.recording"));
  }

  public BastionConfig.RecordingMode mode() {
    return settings.mode();
  }

  public boolean strict() {
    return settings.mode() == BastionConfig.RecordingMode.STRICT;
  }

  public boolean recordsInput() {
    return settings.input();
  }

  /** Tells {@code nanos} how long each group-commit write to a recording file took. */
  public void timeWrites(java.util.function.LongConsumer nanos) {
    commit.timeWrites(nanos);
  }

  public LiveHub hub() {
    return hub;
  }

  public RecordingStore store() {
    return store;
  }

  /**
   * The recording file's path as the audit database keeps it ({@link RecordingStore#storedPath}:
   * {@code recordings/YYYY/MM/DD/<file>}, whichever directory {@code recording.dir} names).
   */
  public String relativePath(String sessionId, Instant startedAt) {
    return store.storedPath(fileFor(sessionId, startedAt));
  }

  private Path fileFor(String sessionId, Instant startedAt) {
    return store.pathFor(sessionId, startedAt, settings.compression().format());
  }

  /**
   * Creates a session's recording on the recording thread; fails with {@link
   * RecordingFailedException}.
   */
  public CompletableFuture<SessionRecording> start(
      String sessionId, Instant startedAt, RecordingHeader header) {
    if (!enabled) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.supplyAsync(
        () -> {
          Path file = fileFor(sessionId, startedAt);
          hub.open(sessionId);
          try {
            SessionRecording recording =
                SessionRecording.create(
                    sessionId, file, header, (b, o, l) -> hub.publish(sessionId, b, o, l));
            commit.register(recording);
            return recording;
          } catch (RecordingFailedException e) {
            hub.close(sessionId, "recording failed");
            throw e;
          }
        },
        io);
  }

  /** Closes, fsyncs and seals a recording; the digest goes to the audit database. */
  public CompletableFuture<Seal> finish(SessionRecording recording, String reason) {
    if (recording == null) {
      return CompletableFuture.completedFuture(null);
    }
    commit.unregister(recording);
    hub.close(recording.sessionId(), "session ended: " + reason);
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            SessionRecording.Sealable done = recording.close();
            Seal seal = Seal.sign(done, clock.instant(), false, key.getPrivate());
            seal.writeBeside(done.file());
            audit.recordingSealed(recording.sessionId(), done.size(), done.sha256());
            return seal;
          } catch (Exception e) {
            LOG.error(
                "recording of session {} could not be sealed: {}",
                recording.sessionId(),
                e.toString());
            throw new RecordingFailedException("sealing failed: " + e.getMessage(), e);
          }
        },
        io);
  }

  /** Seals the recordings of sessions a killed process left open (called once at start). */
  public void sealInterrupted(List<AuditLog.Interrupted> sessions) {
    for (AuditLog.Interrupted session : sessions) {
      if (session.recordingPath() == null) {
        continue;
      }
      Path cast = store.resolve(session.recordingPath()).orElse(null);
      if (cast == null) {
        LOG.error(
            "interrupted session {} names a recording outside {}: {}; not touched",
            session.id(),
            store.root(),
            session.recordingPath());
        continue;
      }
      if (!Files.exists(cast)) {
        LOG.warn("recording of interrupted session {} is missing: {}", session.id(), cast);
        continue;
      }
      try {
        Seal seal =
            RecordingStore.sealInterrupted(session.id(), cast, clock.instant(), key.getPrivate());
        audit.recordingSealed(session.id(), seal.size(), seal.sha256()).join();
        LOG.info("sealed the recording of interrupted session {}", session.id());
      } catch (Exception e) {
        LOG.error(
            "cannot seal the recording of interrupted session {}: {}", session.id(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    commit.close();
    io.shutdown();
    try {
      io.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    hub.close();
  }
}
