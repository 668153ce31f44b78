package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.SessionRecord;
import dev.bastion.cli.CliRun;
import dev.bastion.recorder.Seal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes as separate processes on one database, one cluster and one recordings directory: a node
 * killed with {@code kill -9} has its sessions marked interrupted by the other within seconds; when
 * it starts again it seals their recordings and leaves the other node's sessions alone; any node
 * replays and verifies any node's recordings.
 */
class NodeDeathTest {
  @TempDir Path dir;

  @Test
  void aKilledNodesSessionsAreInterruptedByTheSurvivorAndSealedWhenItStartsAgain()
      throws Exception {
    try (TwoNodeProcesses fleet = TwoNodeProcesses.start(dir)) {
      // A session that ended on B is replayed and verified from A's side.
      Process ended = new ProcessBuilder(fleet.ssh(fleet.b, "echo ended-on-node-b")).start();
      assertEquals(0, ended.waitFor(), new String(ended.getErrorStream().readAllBytes()));
      SessionRecord done =
          fleet.await(s -> "echo ended-on-node-b".equals(s.command()) && sealed(s));
      assertEquals("node-b", done.node());
      assertTrue(verify(fleet.a, done.id()).contains("ok      " + done.id()));
      CliRun play = cli(fleet.a, "play", "--speed", "100", done.id()).ok();
      assertEquals("ended-on-node-b\n", play.stdout());

      // A session running on B when B is killed.
      Process held = new ProcessBuilder(fleet.ssh(fleet.b, "echo started; sleep 600")).start();
      assertEquals("started\n", new String(held.getInputStream().readNBytes(8)));
      SessionRecord running =
          fleet.await(s -> "echo started; sleep 600".equals(s.command()) && live(s));
      assertEquals("node-b", running.node());
      java.time.Instant killed = java.time.Instant.now();
      fleet.b.kill();
      held.destroyForcibly();

      SessionRecord interrupted =
          fleet.await(
              s -> s.id().equals(running.id()) && SessionRecord.INTERRUPTED.equals(s.state()));
      AuditEvent event =
          fleet.reader().events(null, null, 1000).stream()
              .filter(e -> e.kind() == AuditKind.SESSION_INTERRUPTED)
              .filter(e -> running.id().equals(e.sessionId()))
              .findFirst()
              .orElseThrow();
      // For the report, not asserted: how long the fleet took to notice.
      System.out.println(
          "node-b killed; its session was marked interrupted "
              + java.time.Duration.between(killed, event.at()).toMillis()
              + " ms later");
      assertTrue(event.detail().contains("node node-b left the fleet"), event.detail());
      assertTrue(event.detail().contains("by node node-a"), event.detail());
      // A does not seal it: B might still be writing, as far as A knows.
      assertNull(interrupted.recordingSha256());
      Path cast = fleet.recordingOf(running);
      assertFalse(Files.exists(Seal.sealFileOf(cast)), "sealed while node-b was away");

      // A session live on A while B starts again: B leaves it alone.
      CatSession onA = CatSession.start(fleet.ssh(fleet.a, "cat"));
      assertEquals("before", onA.echo("before"));
      SessionRecord cat = fleet.await(s -> "cat".equals(s.command()) && live(s));
      assertEquals("node-a", cat.node());

      fleet.b.start(); // ready: it has marked and sealed what it takes over
      SessionRecord resealed = fleet.await(s -> s.id().equals(running.id()) && sealed(s));
      assertEquals(SessionRecord.INTERRUPTED, resealed.state());
      assertTrue(Seal.read(Seal.sealFileOf(cast)).interrupted());
      assertTrue(verify(fleet.a, running.id()).contains("ok      " + running.id()));

      assertEquals("after", onA.echo("after"));
      assertEquals(
          SessionRecord.LIVE, fleet.reader().session(cat.id()).orElseThrow().state(), "on A");
      assertEquals(0, onA.end());
    }
  }

  private static boolean sealed(SessionRecord s) {
    return s.recordingSha256() != null;
  }

  private static boolean live(SessionRecord s) {
    return SessionRecord.LIVE.equals(s.state());
  }

  /** {@code bastion recordings verify ID} on {@code node}'s configuration and data directory. */
  private static String verify(NodeProcess node, String id) {
    return cli(node, "recordings", "verify", id).ok().stdout();
  }

  private static CliRun cli(NodeProcess node, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = node.config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRun.of(node.dataDir, all);
  }
}
