package dev.bastion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.config.BastionConfig;
import dev.bastion.testsupport.PostgresServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit layer behaves the same on both databases: the embedded H2 file and a real PostgreSQL
 * server, each migrated from empty by the same Flyway migrations.
 */
class AuditDatabasesTest {
  private static final Instant START = Instant.parse("2026-03-01T10:15:30.123Z");
  private static final Instant END = Instant.parse("2026-03-01T10:20:00.456Z");

  @TempDir Path dir;

  private AuditDatabase open(String kind) {
    if (kind.equals("h2")) {
      return AuditDatabase.open(Optional.empty(), dir);
    }
    PostgresServer server = PostgresServer.shared();
    return AuditDatabase.open(
        Optional.of(
            new BastionConfig.Database(
                server.newDatabase(),
                PostgresServer.USER,
                new BastionConfig.Secret(server.password()))),
        dir);
  }

  private static SessionRecord live(String id, String recording) {
    return live(id, recording, "node-a");
  }

  private static SessionRecord live(String id, String recording, String node) {
    return SessionRows.live(id, recording, node, START);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void sessionsFromStartToSealedToRemovedByRetention(String kind) throws Exception {
    try (AuditDatabase database = open(kind);
        AuditLog log = new AuditLog(database)) {
      AuditReader reader = new AuditReader(database);
      log.sessionStarted(live("s1", "recordings/s1.cast.zst")).join();
      log.record(
              new AuditEvent(
                  START,
                  AuditKind.SESSION_STARTED,
                  "alice@example.com",
                  "42",
                  "127.0.0.1:50000",
                  "s1",
                  "web01",
                  "deploy",
                  "shell",
                  "roles ops,dba"))
          .join();
      assertEquals(SessionRecord.LIVE, reader.sessions(true, 10).get(0).state());

      log.sessionEnded("s1", END, 3, null, 1234, 5678, "client closed").join();
      log.recordingSealed("s1", 999, "ab".repeat(32)).join();
      SessionRecord ended = reader.session("s1").orElseThrow();
      assertEquals(SessionRecord.ENDED, ended.state());
      assertEquals(START, ended.startedAt());
      assertEquals(END, ended.endedAt());
      assertEquals(3, ended.exitStatus());
      assertEquals(1234, ended.bytesIn());
      assertEquals(5678, ended.bytesOut());
      assertEquals(List.of("ops", "dba"), ended.roles());
      assertEquals("ab".repeat(32), ended.recordingSha256());
      assertTrue(reader.sessions(true, 10).isEmpty());

      AuditEvent started = reader.events(null, "alice@example.com", 10).get(0);
      assertEquals(AuditKind.SESSION_STARTED, started.kind());
      assertEquals(START, started.at());
      assertEquals("roles ops,dba", started.detail());
      assertEquals(
          List.of(),
          reader.events(END, null, 10).stream().filter(e -> e.sessionId() != null).toList());

      RecordingRemovals removals = new RecordingRemovals(database, log);
      List<RecordingRemovals.Recording> expired = removals.expired(END.plusSeconds(1), null, 10);
      assertEquals(1, expired.size());
      assertEquals(END, expired.get(0).endedAt());
      Instant removedAt = END.plusSeconds(3600);
      AuditEvent row =
          new AuditEvent(
              removedAt,
              AuditKind.RECORDING_REMOVED,
              "alice@example.com",
              null,
              null,
              "s1",
              "web01",
              "deploy",
              "retention",
              "recording.retention 1h");
      assertTrue(removals.removing(row, 999, "ab".repeat(32)).join());
      assertFalse(removals.removing(row, 999, "ab".repeat(32)).join(), "removed once only");
      assertEquals(1, removals.pending(10).size());
      removals.removed("s1").join();
      assertTrue(removals.pending(10).isEmpty());
      assertEquals(removedAt, reader.session("s1").orElseThrow().recordingRemovedAt());
      assertTrue(removals.expired(END.plusSeconds(1), null, 10).isEmpty());
      assertEquals(
          AuditKind.RECORDING_REMOVED, reader.events(null, "alice@example.com", 1).get(0).kind());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void sessionsLeftLiveByACrashAreMarkedInterrupted(String kind) {
    try (AuditDatabase database = open(kind);
        AuditLog log = new AuditLog(database)) {
      log.sessionStarted(live("s2", "recordings/s2.cast.zst")).join();
      List<AuditLog.Interrupted> marked = log.markInterrupted(END).join();
      assertEquals(1, marked.size());
      assertEquals("s2", marked.get(0).id());
      assertEquals("recordings/s2.cast.zst", marked.get(0).recordingPath());
      SessionRecord s = new AuditReader(database).session("s2").orElseThrow();
      assertEquals(SessionRecord.INTERRUPTED, s.state());
      assertNotNull(s.endedAt());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void twoNodesMarkingAtOnceMarkEachSessionOnceAndSpareTheLiveNodes(String kind) {
    try (AuditDatabase database = open(kind);
        AuditLog a =
            new AuditLog(
                database, DiskReserve.NONE, java.time.Clock.systemUTC(), AuditStream.NONE, "a");
        AuditLog b =
            new AuditLog(
                database, DiskReserve.NONE, java.time.Clock.systemUTC(), AuditStream.NONE, "b")) {
      for (String node : new String[] {"a", "b", "c", "c", null}) {
        a.sessionStarted(live("s-" + node + "-" + Math.random(), null, node)).join();
      }
      // Both nodes, at once, mark what node "b" (alive) did not run.
      java.util.function.Predicate<String> notB = node -> !"b".equals(node);
      var byA = a.markInterrupted(END, notB, node -> "by a");
      var byB = b.markInterrupted(END, notB, node -> "by b");
      List<AuditLog.Interrupted> marked = new java.util.ArrayList<>(byA.join());
      marked.addAll(byB.join());

      AuditReader reader = new AuditReader(database);
      assertEquals(4, marked.size(), marked.toString());
      assertEquals(4, java.util.Set.copyOf(marked.stream().map(m -> m.id()).toList()).size());
      List<SessionRecord> live = reader.sessions(true, 10);
      assertEquals(1, live.size());
      assertEquals("b", live.get(0).node());
      assertEquals(
          4,
          reader.events(null, null, 100).stream()
              .filter(e -> e.kind() == AuditKind.SESSION_INTERRUPTED)
              .count());
      assertEquals(4, reader.sessionsInState(SessionRecord.INTERRUPTED, 10).size());
    }
  }
}
