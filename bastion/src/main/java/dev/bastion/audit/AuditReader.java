package dev.bastion.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Queries for {@code bastion sessions}, {@code bastion audit} and the web viewer. */
public final class AuditReader implements AuditAccess {
  private final AuditDatabase database;

  public AuditReader(AuditDatabase database) {
    this.database = database;
  }

  @Override
  public List<SessionRecord> sessions(boolean liveOnly, int limit) {
    return query(liveOnly ? "WHERE state = 'live'" : "", null, limit);
  }

  /** Sessions in one state ("live", "ended", "interrupted"), newest first. */
  public List<SessionRecord> sessionsInState(String state, int limit) {
    return query("WHERE state = ?", state, limit);
  }

  public java.util.Optional<SessionRecord> session(String id) {
    return query("WHERE id = ?", id, 1).stream().findFirst();
  }

  private List<SessionRecord> query(String where, String parameter, int limit) {
    String sql =
        "SELECT id, identity, roles, target, login, kind, command, source_address, started_at, ended_at, state,"
            + " exit_status, exit_signal, bytes_in, bytes_out, end_reason, recording_path, recording_sha256,"
            + " recording_removed_at, node FROM sessions "
            + where
            + " ORDER BY started_at DESC LIMIT ?";
    try (Connection c = database.connect();
        PreparedStatement st = c.prepareStatement(sql)) {
      int i = 1;
      if (parameter != null) {
        st.setString(i++, parameter);
      }
      st.setInt(i, limit);
      List<SessionRecord> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new SessionRecord(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3) == null || rs.getString(3).isEmpty()
                      ? List.of()
                      : Arrays.asList(rs.getString(3).split(",")),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  instant(rs.getTimestamp(9)),
                  instant(rs.getTimestamp(10)),
                  rs.getString(11),
                  (Integer) rs.getObject(12),
                  rs.getString(13),
                  rs.getLong(14),
                  rs.getLong(15),
                  rs.getString(16),
                  rs.getString(17),
                  rs.getString(18),
                  instant(rs.getTimestamp(19)),
                  rs.getString(20)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new AuditException("cannot read sessions: " + e.getMessage(), e);
    }
  }

  @Override
  public List<AuditEvent> events(Instant since, String identity, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT at, kind, identity, serial, source_address, session_id, target, login, code, detail, count"
                + " FROM events WHERE 1=1");
    if (since != null) {
      sql.append(" AND at >= ?");
    }
    if (identity != null) {
      sql.append(" AND identity = ?");
    }
    sql.append(" ORDER BY id DESC LIMIT ?");
    try (Connection c = database.connect();
        PreparedStatement st = c.prepareStatement(sql.toString())) {
      int i = 1;
      if (since != null) {
        st.setTimestamp(i++, Timestamp.from(since));
      }
      if (identity != null) {
        st.setString(i++, identity);
      }
      st.setInt(i, limit);
      List<AuditEvent> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new AuditEvent(
                  instant(rs.getTimestamp(1)),
                  AuditKind.of(rs.getString(2)),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getString(10),
                  rs.getLong(11)));
        }
      }
      java.util.Collections.reverse(out);
      return out;
    } catch (SQLException e) {
      throw new AuditException("cannot read audit events: " + e.getMessage(), e);
    }
  }

  @Override
  public void recordReplay(AuditEvent replayed) {
    try (AuditLog audit = new AuditLog(database)) {
      audit.record(replayed).join();
    }
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }
}
