package dev.bastion.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The audit database's side of {@code recording.retention}: which recordings have expired, and the
 * removal of each, written as its {@code recording_removed} row together with the session's {@code
 * recording_removed_at} (one transaction) before any file is deleted, then marked done once the
 * files are gone.
 */
public final class RecordingRemovals {
  private static final String COLUMNS =
      "SELECT id, identity, target, login, ended_at, recording_path, recording_size,"
          + " recording_sha256 FROM sessions ";

  /** A session's recording as the database knows it: where, and its sealed size and digest. */
  public record Recording(
      String sessionId,
      String identity,
      String target,
      String login,
      Instant endedAt,
      String path,
      Long size,
      String sha256) {}

  private final AuditDatabase database;
  private final AuditLog log;

  public RecordingRemovals(AuditDatabase database, AuditLog log) {
    this.database = database;
    this.log = log;
  }

  /**
   * Recordings of sessions that ended (never live ones) before {@code endedBefore} and are not
   * removed yet, oldest first, after {@code after} (null: from the oldest).
   */
  public List<Recording> expired(Instant endedBefore, Recording after, int limit) {
    String sql =
        COLUMNS
            + "WHERE recording_removed_at IS NULL AND recording_path IS NOT NULL AND state <> ?"
            + " AND ended_at < ?"
            + (after == null ? "" : " AND (ended_at > ? OR (ended_at = ? AND id > ?))")
            + " ORDER BY ended_at, id LIMIT ?";
    return query(
        sql,
        st -> {
          int i = 1;
          st.setString(i++, SessionRecord.LIVE);
          st.setTimestamp(i++, Timestamp.from(endedBefore));
          if (after != null) {
            st.setTimestamp(i++, Timestamp.from(after.endedAt()));
            st.setTimestamp(i++, Timestamp.from(after.endedAt()));
            st.setString(i++, after.sessionId());
          }
          st.setInt(i, limit);
        });
  }

  /** Removals whose row is written but whose files were not all deleted (a failure or a crash). */
  public List<Recording> pending(int limit) {
    return query(
        COLUMNS + "WHERE recording_removal_pending ORDER BY recording_removed_at, id LIMIT ?",
        st -> st.setInt(1, limit));
  }

  /**
   * Writes {@code row} (a {@code recording_removed} event) and marks the session's recording
   * removed at the row's time, with the size and digest the row names where the database had none;
   * both or neither. False if it was already removed (nothing written).
   */
  public CompletableFuture<Boolean> removing(AuditEvent row, long size, String sha256) {
    return log.transaction(
        c -> {
          try (PreparedStatement mark =
              c.prepareStatement(
                  "UPDATE sessions SET recording_removed_at = ?, recording_removal_pending = TRUE,"
                      + " recording_size = COALESCE(recording_size, ?),"
                      + " recording_sha256 = COALESCE(recording_sha256, ?)"
                      + " WHERE id = ? AND recording_removed_at IS NULL")) {
            mark.setTimestamp(1, Timestamp.from(row.at()));
            mark.setLong(2, size);
            mark.setString(3, sha256);
            mark.setString(4, row.sessionId());
            if (mark.executeUpdate() != 1) {
              return false;
            }
          }
          insert(c, row);
          return true;
        },
        written -> written ? List.of(row) : List.of());
  }

  /** The recording's files are gone: the removal is complete. */
  public CompletableFuture<Void> removed(String sessionId) {
    return log.transaction(
        c -> {
          try (PreparedStatement done =
              c.prepareStatement(
                  "UPDATE sessions SET recording_removal_pending = FALSE WHERE id = ?")) {
            done.setString(1, sessionId);
            done.executeUpdate();
          }
          return null;
        });
  }

  private static void insert(Connection c, AuditEvent row) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(AuditLog.INSERT_EVENT)) {
      AuditLog.bindEvent(insert, row);
      insert.executeUpdate();
    }
  }

  private List<Recording> query(String sql, AuditConnection.Binder binder) {
    try (Connection c = database.connect();
        PreparedStatement st = c.prepareStatement(sql)) {
      binder.bind(st);
      List<Recording> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long size = rs.getLong(7);
          Long knownSize = rs.wasNull() ? null : size;
          Timestamp ended = rs.getTimestamp(5);
          out.add(
              new Recording(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  ended == null ? null : ended.toInstant(),
                  rs.getString(6),
                  knownSize,
                  rs.getString(8)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new AuditException("cannot read recordings to remove: " + e.getMessage(), e);
    }
  }
}
