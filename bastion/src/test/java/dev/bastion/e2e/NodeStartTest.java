package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.BastionServer;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.AuditStream;
import dev.bastion.audit.DiskReserve;
import dev.bastion.audit.SessionRecord;
import dev.bastion.audit.SessionRows;
import dev.bastion.recorder.RecordingCheck;
import dev.bastion.recorder.RecordingKey;
import dev.bastion.recorder.Seal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of a fleet that starts marks interrupted only the live sessions that cannot be running:
 * its own, those from before nodes were recorded and those of nodes not in the fleet; another
 * member's live session stays live and keeps working.
 */
class NodeStartTest {
  @TempDir Path dir;

  @Test
  void aNodeStartingLeavesTheOtherMembersSessionsAloneAndTakesOverAbsentNodes() throws Exception {
    try (TwoNodes fleet = TwoNodes.start(dir, "", "")) {
      CatSession onA = CatSession.start(fleet.a.sshCommand("cat"));
      assertEquals("before", onA.echo("before"));
      AuditReader reader = new AuditReader(fleet.a.bastion.database());
      SessionRecord cat =
          reader.sessions(true, 10).stream()
              .filter(s -> "cat".equals(s.command()))
              .findFirst()
              .orElseThrow();
      assertEquals("node-a", cat.node());

      // Left live by node-c, which is not in the fleet, and by a bastion from before nodes.
      String ofC = id();
      String recording = "recordings/2026/01/01/" + ofC + ".cast";
      Path cast = fleet.b.dataDir.resolve(recording);
      Files.createDirectories(
          cast.getParent(),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      Files.writeString(cast, "{\"version\": 2}\n[0.1, \"o\", \"kept\"]\n[0.2, \"o\", \"cut sh");
      String old = id();
      try (AuditLog c =
          new AuditLog(
              fleet.a.bastion.database(),
              DiskReserve.NONE,
              Clock.systemUTC(),
              AuditStream.NONE,
              "node-c")) {
        c.sessionStarted(live(ofC, recording, "node-c")).join();
        c.sessionStarted(live(old, null, null)).join();
      }

      // Node B stops and starts again; start() returns once it has marked and sealed.
      BastionServer b = fleet.b.bastion;
      b.close();
      try (BastionServer again =
          BastionServer.start(fleet.b.dataDir, b.config(), Clock.systemUTC())) {
        assertEquals(SessionRecord.LIVE, reader.session(cat.id()).orElseThrow().state());
        assertEquals("after", onA.echo("after"));

        SessionRecord c = reader.session(ofC).orElseThrow();
        assertEquals(SessionRecord.INTERRUPTED, c.state());
        assertEquals(SessionRecord.INTERRUPTED, reader.session(old).orElseThrow().state());
        assertTrue(
            detail(reader, ofC)
                .equals(
                    "node node-c left the fleet without ending the session; marked interrupted"
                        + " by node node-b at its start"),
            detail(reader, ofC));
        assertTrue(detail(reader, old).contains("by node node-b"), detail(reader, old));
        assertNull(detail(reader, cat.id()));

        // The absent node's recording is sealed as interrupted, cut back to its last whole line.
        assertNotNull(c.recordingSha256());
        assertTrue(Seal.read(Seal.sealFileOf(cast)).interrupted());
        var key =
            RecordingKey.publicKey(fleet.b.bastion.cas().directory().resolve("recording_key.pub"));
        assertNull(RecordingCheck.check(ofC, cast, key, c.recordingSha256()).problem());
        assertEquals(
            List.of("{\"version\": 2}", "[0.1, \"o\", \"kept\"]"), Files.readAllLines(cast));
      }
      assertEquals(0, onA.end());

      // The web API says which node ran each session.
      WebClient web = new WebClient(fleet.a, fleet.a.userKey);
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      assertEquals(
          "node-c", json.readTree(web.get("/api/sessions/" + ofC).body()).get("node").asText());
      assertEquals(
          "node-a",
          json.readTree(web.get("/api/sessions/" + cat.id()).body()).get("node").asText());
      assertTrue(json.readTree(web.get("/api/sessions/" + old).body()).get("node").isNull());
    }
  }

  private static String detail(AuditReader reader, String sessionId) {
    return reader.events(null, null, 1000).stream()
        .filter(e -> e.kind() == AuditKind.SESSION_INTERRUPTED)
        .filter(e -> sessionId.equals(e.sessionId()))
        .map(AuditEvent::detail)
        .findFirst()
        .orElse(null);
  }

  private static String id() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static SessionRecord live(String id, String recording, String node) {
    return SessionRows.live(id, recording, node, Instant.now());
  }
}
