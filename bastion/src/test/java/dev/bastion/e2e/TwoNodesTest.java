package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.CommandResult;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes on one PostgreSQL database and one cluster: each sees the other's sessions. */
class TwoNodesTest {
  @TempDir Path dir;

  @Test
  void bothNodesServeAndShareOneAuditDatabase() throws Exception {
    try (TwoNodes fleet = TwoNodes.start(dir, "", "")) {
      assertEquals(Set.of("node-a", "node-b"), fleet.a.bastion.fleet().members());
      CommandResult viaB = fleet.b.ssh(fleet.b.onTarget(), null, "echo through-node-b");
      assertEquals(0, viaB.exitCode(), viaB.toString());
      // The session that ran on B is in the database node A reads.
      assertTrue(
          fleet.a.awaitSealed(s -> "echo through-node-b".equals(s.command())).id().length() == 32);
    }
  }
}
