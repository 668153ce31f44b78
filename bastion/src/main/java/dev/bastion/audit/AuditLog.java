package dev.bastion.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the audit log on its own thread, never on MINA's or Vert.x's event threads. Every write
 * returns a future: a session starts only after its start row is written, so a broken database
 * refuses sessions rather than running them unaudited. The queue is bounded; when it is full the
 * write fails instead of memory growing.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int QUEUE_LIMIT = 10_000;

  private final Connection connection;
  private final ThreadPoolExecutor writer;

  public AuditLog(AuditDatabase database) {
    this.connection = database.connect();
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

  /** Appends an event. */
  public CompletableFuture<Void> record(AuditEvent event) {
    return submit(
        "INSERT INTO events (at, kind, identity, serial, source_address, session_id, target, login, code, detail)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        st -> {
          st.setTimestamp(1, Timestamp.from(event.at()));
          st.setString(2, event.kind().code());
          st.setString(3, event.identity());
          st.setString(4, event.serial());
          st.setString(5, event.sourceAddress());
          st.setString(6, event.sessionId());
          st.setString(7, event.target());
          st.setString(8, event.login());
          st.setString(9, event.code());
          st.setString(10, truncate(event.detail(), 8192));
        });
  }

  /** Writes the row of a session that is starting, state {@code live}. */
  public CompletableFuture<Void> sessionStarted(SessionRecord s) {
    return submit(
        "INSERT INTO sessions (id, identity, roles, target, login, kind, command, source_address, started_at, state,"
            + " recording_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        st -> {
          st.setString(1, s.id());
          st.setString(2, s.identity());
          st.setString(3, String.join(",", s.roles()));
          st.setString(4, s.target());
          st.setString(5, s.login());
          st.setString(6, s.kind());
          st.setString(7, truncate(s.command(), 8192));
          st.setString(8, s.sourceAddress());
          st.setTimestamp(9, Timestamp.from(s.startedAt()));
          st.setString(10, SessionRecord.LIVE);
          st.setString(11, s.recordingPath());
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
          st.setString(4, exitSignal);
          st.setLong(5, bytesIn);
          st.setLong(6, bytesOut);
          st.setString(7, truncate(reason, 4096));
          st.setString(8, id);
        });
  }

  /** Stores the sealed size and digest of a session's recording. */
  public CompletableFuture<Void> recordingSealed(String id, long size, String sha256) {
    return submit(
        "UPDATE sessions SET recording_size = ?, recording_sha256 = ? WHERE id = ?",
        st -> {
          st.setLong(1, size);
          st.setString(2, sha256);
          st.setString(3, id);
        });
  }

  /** A session the previous process left open, and where its recording is. */
  public record Interrupted(String id, String recordingPath) {}

  /**
   * At start: sessions still {@code live} belong to a process that died; mark them {@code
   * interrupted} and log one event each. Returns how many there were.
   */
  public CompletableFuture<java.util.List<Interrupted>> markInterrupted(Instant now) {
    CompletableFuture<java.util.List<Interrupted>> result = new CompletableFuture<>();
    try {
      writer.execute(
          () -> {
            try (PreparedStatement select =
                    connection.prepareStatement(
                        "SELECT id, identity, target, login, recording_path FROM sessions WHERE state = ?");
                PreparedStatement update =
                    connection.prepareStatement(
                        "UPDATE sessions SET state = ?, ended_at = ?, end_reason = ? WHERE id = ?");
                PreparedStatement event =
                    connection.prepareStatement(
                        "INSERT INTO events (at, kind, identity, session_id, target, login, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
              select.setString(1, SessionRecord.LIVE);
              java.util.List<Interrupted> found = new java.util.ArrayList<>();
              try (var rows = select.executeQuery()) {
                while (rows.next()) {
                  update.setString(1, SessionRecord.INTERRUPTED);
                  update.setTimestamp(2, Timestamp.from(now));
                  update.setString(3, "the bastion stopped without ending the session");
                  update.setString(4, rows.getString(1));
                  update.executeUpdate();
                  event.setTimestamp(1, Timestamp.from(now));
                  event.setString(2, AuditKind.SESSION_INTERRUPTED.code());
                  event.setString(3, rows.getString(2));
                  event.setString(4, rows.getString(1));
                  event.setString(5, rows.getString(3));
                  event.setString(6, rows.getString(4));
                  event.setString(7, "the bastion stopped without ending the session");
                  event.executeUpdate();
                  found.add(new Interrupted(rows.getString(1), rows.getString(5)));
                }
              }
              result.complete(found);
            } catch (SQLException e) {
              result.completeExceptionally(
                  new AuditException("audit write failed: " + e.getMessage(), e));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new AuditException("audit queue is full or closed", e));
    }
    return result;
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private CompletableFuture<Void> submit(String sql, Binder binder) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      writer.execute(
          () -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
              binder.bind(statement);
              statement.executeUpdate();
              result.complete(null);
            } catch (SQLException | RuntimeException e) {
              LOG.error("audit write failed: {}", e.toString());
              result.completeExceptionally(
                  new AuditException("audit write failed: " + e.getMessage(), e));
            }
          });
    } catch (RejectedExecutionException e) {
      LOG.error("audit queue is full or closed; write dropped: {}", sql);
      result.completeExceptionally(new AuditException("audit queue is full or closed", e));
    }
    return result;
  }

  private static String truncate(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
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
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing the audit database: {}", e.getMessage());
    }
  }
}
