package dev.bastion.audit;

import dev.bastion.recorder.VisibleText;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the audit log on its own thread, never on MINA's or Vert.x's event threads. Every write
 * returns a future: a session starts only after its start row is written, so a broken database
 * refuses sessions rather than running them unaudited. The queue is bounded; when it is full the
 * write fails instead of memory growing. Every value is fitted to its column here, with a visible
 * marker where it was cut, so no row is lost to its length; a failed write reconnects, so the log
 * recovers by itself; and {@link DiskReserve} keeps pre-login noise from taking the last space.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int QUEUE_LIMIT = 10_000;
  static final String INSERT_EVENT =
      "INSERT INTO events (at, kind, identity, serial, source_address, session_id, target, login,"
          + " code, detail, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final AuditConnection connection;
  private final DiskReserve disk;
  private final ThreadPoolExecutor writer;
  private final Clock clock;
  private volatile Consumer<AuditEvent> observer = event -> {};
  private final AuditStream stream;
  private final String node;
  // Written only on the writer thread.
  private long dropped;
  private Instant droppedSince;

  public AuditLog(AuditDatabase database) {
    this(database, DiskReserve.NONE, Clock.systemUTC());
  }

  public AuditLog(AuditDatabase database, DiskReserve disk, Clock clock) {
    this(database, disk, clock, AuditStream.NONE);
  }

  /**
   * {@code stream} gets every event after its database write succeeded, in the database's order; it
   * is closed with this log.
   */
  public AuditLog(AuditDatabase database, DiskReserve disk, Clock clock, AuditStream stream) {
    this(database, disk, clock, stream, NodeName.local());
  }

  /** As {@link #AuditLog(AuditDatabase, DiskReserve, Clock, AuditStream)} on node {@code node}. */
  public AuditLog(
      AuditDatabase database, DiskReserve disk, Clock clock, AuditStream stream, String node) {
    this.node = node;
    this.stream = stream;
    this.connection = new AuditConnection(database);
    this.disk = disk;
    this.clock = clock;
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_LIMIT),
            runnable -> {
              Thread thread = new Thread(runnable, "audit-writer");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Shows {@code observer} every event passed to {@link #record} as it is passed (for metrics); it
   * runs on the caller's thread, so it must be quick and never block.
   */
  public void observe(Consumer<AuditEvent> observer) {
    this.observer = observer;
  }

  /** Appends an event. */
  public CompletableFuture<Void> record(AuditEvent event) {
    observer.accept(event);
    return submit(
        weight(event.kind()), event.count(), INSERT_EVENT, st -> bindEvent(st, event), event);
  }

  static void bindEvent(PreparedStatement st, AuditEvent event) throws SQLException {
    st.setTimestamp(1, Timestamp.from(event.at()));
    st.setString(2, event.kind().code());
    st.setString(3, fit(event.identity(), 1024));
    st.setString(4, fit(event.serial(), 32));
    st.setString(5, fit(event.sourceAddress(), 64));
    st.setString(6, fit(event.sessionId(), 64));
    st.setString(7, fit(event.target(), 255));
    st.setString(8, fit(event.login(), 64));
    st.setString(9, fit(event.code(), 64));
    st.setString(10, fit(event.detail(), 8192));
    st.setLong(11, event.count());
  }

  private static DiskReserve.Weight weight(AuditKind kind) {
    return switch (kind) {
      case LOGIN_REFUSED, CONNECTION_REFUSED -> DiskReserve.Weight.NOISE;
      case LOGIN_ACCEPTED, WEB_LOGIN -> DiskReserve.Weight.START;
      default -> DiskReserve.Weight.ESSENTIAL;
    };
  }

  /** Writes the row of a session that is starting, state {@code live}. */
  public CompletableFuture<Void> sessionStarted(SessionRecord s) {
    return submit(
        DiskReserve.Weight.START,
        1,
        "INSERT INTO sessions (id, identity, roles, target, login, kind, command, source_address, started_at, state,"
            + " recording_path, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        st -> {
          st.setString(1, s.id());
          st.setString(2, fit(s.identity(), 1024));
          st.setString(3, fit(String.join(",", s.roles()), 4096));
          st.setString(4, fit(s.target(), 255));
          st.setString(5, fit(s.login(), 64));
          st.setString(6, s.kind());
          st.setString(7, fit(s.command(), 8192));
          st.setString(8, fit(s.sourceAddress(), 64));
          st.setTimestamp(9, Timestamp.from(s.startedAt()));
          st.setString(10, SessionRecord.LIVE);
          st.setString(11, s.recordingPath());
          st.setString(12, fit(s.node(), 255));
        });
  }

  /** Marks a session ended with how it ended and how much moved each way. */
  public CompletableFuture<Void> sessionEnded(
      String id,
      Instant endedAt,
      Integer exitStatus,
      String exitSignal,
      long bytesIn,
      long bytesOut,
      String reason) {
    return submit(
        DiskReserve.Weight.ESSENTIAL,
        1,
        "UPDATE sessions SET ended_at = ?, state = ?, exit_status = ?, exit_signal = ?, bytes_in = ?, bytes_out = ?,"
            + " end_reason = ? WHERE id = ?",
        st -> {
          st.setTimestamp(1, Timestamp.from(endedAt));
          st.setString(2, SessionRecord.ENDED);
          if (exitStatus == null) {
            st.setNull(3, Types.INTEGER);
          } else {
            st.setInt(3, exitStatus);
          }
          st.setString(4, fit(exitSignal, 32));
          st.setLong(5, bytesIn);
          st.setLong(6, bytesOut);
          st.setString(7, fit(reason, 4096));
          st.setString(8, id);
        });
  }

  /** Stores the sealed size and digest of a session's recording. */
  public CompletableFuture<Void> recordingSealed(String id, long size, String sha256) {
    return submit(
        DiskReserve.Weight.ESSENTIAL,
        1,
        "UPDATE sessions SET recording_size = ?, recording_sha256 = ? WHERE id = ?",
        st -> {
          st.setLong(1, size);
          st.setString(2, sha256);
          st.setString(3, id);
        });
  }

  /**
   * A session whose node stopped without ending it, and where its recording is; {@code event} is
   * the {@code session_interrupted} event written when it was marked (null when listed later).
   */
  public record Interrupted(String id, String recordingPath, AuditEvent event) {}

  /**
   * At start, alone: sessions still {@code live} belong to a process that died; mark them {@code
   * interrupted} and log one event each.
   */
  public CompletableFuture<List<Interrupted>> markInterrupted(Instant now) {
    return markInterrupted(now, node -> true, node -> STOPPED);
  }

  /** Why a session left live by a process that died was interrupted, alone. */
  public static final String STOPPED = "the bastion stopped without ending the session";

  /**
   * Marks {@code interrupted} the live sessions whose node ({@code null}: a row from before nodes
   * were recorded) passes {@code ofNode}, tested on the writer thread just before the rows are
   * read; {@code why} gives the end reason and event detail for a node. Safe when several nodes do
   * it at once: a session is marked, and its event written and streamed, once.
   */
  public CompletableFuture<List<Interrupted>> markInterrupted(
      Instant now, Predicate<String> ofNode, Function<String, String> why) {
    return transaction(
        c -> InterruptedSessions.mark(c, now, ofNode, why),
        marked -> marked.stream().map(Interrupted::event).toList());
  }

  /**
   * Interrupted sessions of the nodes {@code ofNode} accepts whose recordings are not sealed yet.
   */
  public CompletableFuture<List<Interrupted>> unsealedInterrupted(Predicate<String> ofNode) {
    return transaction(c -> InterruptedSessions.unsealed(c, ofNode));
  }

  /** This node's name, written with each session it runs. */
  public String node() {
    return node;
  }

  /**
   * Runs {@code work} on the writer thread as one transaction: all of its statements are written or
   * none (essential rows: never dropped for a low disk).
   */
  <T> CompletableFuture<T> transaction(AuditConnection.Work<T> work) {
    return transaction(work, written -> List.of());
  }

  /** As {@link #transaction(AuditConnection.Work)}; streams the events it wrote once committed. */
  <T> CompletableFuture<T> transaction(
      AuditConnection.Work<T> work, Function<T, List<AuditEvent>> events) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      writer.execute(
          () -> {
            try {
              T done = connection.run(c -> AuditConnection.allOrNothing(c, work));
              events.apply(done).forEach(stream::publish);
              result.complete(done);
            } catch (SQLException | RuntimeException e) {
              String message = AuditConnection.message(e);
              LOG.error("audit write failed: {}", message);
              result.completeExceptionally(new AuditException("audit write failed: " + message, e));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new AuditException("audit queue is full or closed", e));
    }
    return result;
  }

  /** {@code count}: how many events the write stands for, counted if it is dropped. */
  private CompletableFuture<Void> submit(
      DiskReserve.Weight weight, long count, String sql, AuditConnection.Binder binder) {
    return submit(weight, count, sql, binder, null);
  }

  /** {@code event}: streamed once written, if not null. */
  private CompletableFuture<Void> submit(
      DiskReserve.Weight weight,
      long count,
      String sql,
      AuditConnection.Binder binder,
      AuditEvent event) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      writer.execute(() -> write(weight, count, sql, binder, event, result));
    } catch (RejectedExecutionException e) {
      LOG.error("audit queue is full or closed; write dropped");
      result.completeExceptionally(new AuditException("audit queue is full or closed", e));
    }
    return result;
  }

  /** On the writer thread. */
  private void write(
      DiskReserve.Weight weight,
      long count,
      String sql,
      AuditConnection.Binder binder,
      AuditEvent event,
      CompletableFuture<Void> result) {
    DiskReserve.Verdict verdict = disk.admit(weight);
    if (verdict == DiskReserve.Verdict.DROP) {
      if (dropped == 0) {
        droppedSince = clock.instant();
        LOG.warn(
            "the data directory has {} MiB free, below the reserve of {} MiB: refused logins are"
                + " counted, not written, until space returns",
            disk.free() >> 20,
            disk.reserve() >> 20);
      }
      dropped += count;
      result.complete(null);
      return;
    }
    if (verdict == DiskReserve.Verdict.REFUSE) {
      String why =
          "the data directory has "
              + (disk.free() >> 20)
              + " MiB free, below the floor of "
              + (disk.floor() >> 20)
              + " MiB";
      LOG.error("audit write refused: {}", why);
      result.completeExceptionally(new AuditException("audit write refused: " + why, null));
      return;
    }
    try {
      if (dropped > 0 && disk.aboveReserve()) {
        writeDropped();
      }
      connection.update(sql, binder);
      if (event != null) {
        stream.publish(event);
      }
      result.complete(null);
    } catch (SQLException | RuntimeException e) {
      String message = AuditConnection.message(e);
      LOG.error("audit write failed: {}", message);
      result.completeExceptionally(new AuditException("audit write failed: " + message, e));
    }
  }

  /** One row for the refusals not written while the disk was low. */
  private void writeDropped() throws SQLException {
    AuditEvent summary =
        new AuditEvent(
            clock.instant(),
            AuditKind.REFUSALS_DROPPED,
            null,
            null,
            null,
            null,
            null,
            null,
            "disk_reserve",
            dropped
                + " refused logins or connections were not written one by one: the data"
                + " directory had less than "
                + (disk.reserve() >> 20)
                + " MiB free from "
                + droppedSince,
            dropped);
    connection.update(INSERT_EVENT, st -> bindEvent(st, summary));
    stream.publish(summary);
    LOG.info(
        "space returned; {} refusals not written one by one are summed up in one row", dropped);
    dropped = 0;
  }

  /**
   * {@code value} as given (control characters are escaped when shown, not stored escaped), cut to
   * a column of {@code size} characters with a visible marker.
   */
  static String fit(String value, int size) {
    return VisibleText.cut(value, size);
  }

  /** Finishes every queued write, then closes the database connection. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.error("audit writes still queued after 10 s at shutdown");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
    stream.close();
  }
}
