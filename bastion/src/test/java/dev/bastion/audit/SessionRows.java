package dev.bastion.audit;

import java.time.Instant;
import java.util.List;

/** Session rows for tests that write the audit database themselves. */
public final class SessionRows {
  private SessionRows() {}

  /** A live shell session of alice on web01, run by {@code node} (null: from before nodes). */
  public static SessionRecord live(String id, String recording, String node, Instant startedAt) {
    return new SessionRecord(
        id,
        "alice@example.com",
        List.of("ops", "dba"),
        "web01",
        "deploy",
        "shell",
        null,
        "127.0.0.1:50000",
        startedAt,
        null,
        SessionRecord.LIVE,
        null,
        null,
        0,
        0,
        null,
        recording,
        null,
        null,
        node);
  }
}
