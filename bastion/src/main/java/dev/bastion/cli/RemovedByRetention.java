package dev.bastion.cli;

import dev.bastion.audit.SessionRecord;
import java.time.temporal.ChronoUnit;

/**
 * How {@code recordings verify} reports a recording that {@code recording.retention} removed: on a
 * line of its own, not a failure, with the digest the audit log keeps. A recording missing without
 * such a removal still fails as missing.
 */
final class RemovedByRetention {
  private RemovedByRetention() {}

  static boolean applies(SessionRecord session) {
    return session != null && session.recordingRemovedAt() != null;
  }

  static String line(SessionRecord session) {
    return "removed "
        + session.id()
        + "  (by retention on "
        + session.recordingRemovedAt().truncatedTo(ChronoUnit.SECONDS)
        + ", SHA-256 "
        + session.recordingSha256()
        + ")";
  }
}
