package dev.bastion.audit;

import java.time.Instant;
import java.util.List;

/**
 * What the command line reads from the audit log (and the one row it adds): from the database
 * itself ({@link AuditReader}) or, while {@code serve} holds it, from the running bastion ({@link
 * AuditSocketClient}).
 */
public interface AuditAccess {
  /** Sessions, newest first; only live ones if asked. */
  List<SessionRecord> sessions(boolean liveOnly, int limit);

  /** Events in time order, optionally since a time and for one identity. */
  List<AuditEvent> events(Instant since, String identity, int limit);

  /** Adds a {@code recording_replayed} row (the one row the command line writes). */
  void recordReplay(AuditEvent replayed);
}
