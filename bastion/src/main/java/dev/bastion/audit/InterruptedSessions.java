package dev.bastion.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The rows of sessions whose node stopped without ending them. Marking is safe when several nodes
 * do it at once: each row changes from {@code live} to {@code interrupted} in one conditional
 * update, and only the node whose update changed it writes its {@code session_interrupted} event.
 */
final class InterruptedSessions {
  private InterruptedSessions() {}

  /**
   * Marks the live sessions whose node ({@code null} for rows from before nodes were recorded)
   * passes {@code ofNode}, with the end reason {@code why} gives for that node; in one transaction.
   */
  static List<AuditLog.Interrupted> mark(
      Connection c, Instant now, Predicate<String> ofNode, Function<String, String> why)
      throws SQLException {
    List<AuditLog.Interrupted> marked = new ArrayList<>();
    try (PreparedStatement select =
            c.prepareStatement(
                "SELECT id, identity, target, login, recording_path, node FROM sessions"
                    + " WHERE state = ?");
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE sessions SET state = ?, ended_at = ?, end_reason = ?"
                    + " WHERE id = ? AND state = ?");
        PreparedStatement insert = c.prepareStatement(AuditLog.INSERT_EVENT)) {
      select.setString(1, SessionRecord.LIVE);
      List<String[]> live = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          live.add(
              new String[] {
                rows.getString(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getString(5),
                rows.getString(6)
              });
        }
      }
      for (String[] row : live) {
        String node = row[5];
        if (!ofNode.test(node)) {
          continue;
        }
        String reason = why.apply(node);
        update.setString(1, SessionRecord.INTERRUPTED);
        update.setTimestamp(2, Timestamp.from(now));
        update.setString(3, AuditLog.fit(reason, 4096));
        update.setString(4, row[0]);
        update.setString(5, SessionRecord.LIVE);
        if (update.executeUpdate() == 0) {
          continue; // another node marked it first, or it ended meanwhile
        }
        AuditEvent event =
            new AuditEvent(
                now,
                AuditKind.SESSION_INTERRUPTED,
                row[1],
                null,
                null,
                row[0],
                row[2],
                row[3],
                null,
                reason);
        AuditLog.bindEvent(insert, event);
        insert.executeUpdate();
        marked.add(new AuditLog.Interrupted(row[0], row[4], event));
      }
    }
    return marked;
  }

  /**
   * Interrupted sessions of the nodes {@code ofNode} accepts whose recording is not sealed yet (and
   * not removed); their {@code event} is null, it was written when they were marked.
   */
  static List<AuditLog.Interrupted> unsealed(Connection c, Predicate<String> ofNode)
      throws SQLException {
    List<AuditLog.Interrupted> found = new ArrayList<>();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT id, recording_path, node FROM sessions WHERE state = ?"
                + " AND recording_path IS NOT NULL AND recording_sha256 IS NULL"
                + " AND recording_removed_at IS NULL ORDER BY started_at")) {
      select.setString(1, SessionRecord.INTERRUPTED);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          if (ofNode.test(rows.getString(3))) {
            found.add(new AuditLog.Interrupted(rows.getString(1), rows.getString(2), null));
          }
        }
      }
    }
    return found;
  }
}
