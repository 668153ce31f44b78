package dev.bastion.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.config.BastionConfig;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.ops.Readiness;
import dev.bastion.testsupport.PostgresServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The revocations of a fleet on a real PostgreSQL server: what one node adds reaches the others, a
 * node's former {@code revoked} file is imported once, and a database that goes away leaves the
 * last list in force.
 */
class SharedRevocationsTest {
  private static final Instant AT = Instant.parse("2026-11-30T09:00:00Z");

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private AuditDatabase open(PostgresServer server, String url) {
    AuditDatabase database =
        AuditDatabase.open(
            Optional.of(
                new BastionConfig.Database(
                    url, PostgresServer.USER, new BastionConfig.Secret(server.password()))),
            dir);
    opened.add(database);
    return database;
  }

  private SharedRevocations node(AuditDatabase database, String name) {
    SharedRevocations node =
        SharedRevocations.start(new RevocationTable(database), dir.resolve(name));
    opened.add(node);
    return node;
  }

  @Test
  void aRevocationWrittenToTheTableReachesARunningNode() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String url = server.newDatabase();
    SharedRevocations nodeB = node(open(server, url), "b");
    CountDownLatch changed = new CountDownLatch(1);
    nodeB.refresh(changed::countDown);
    assertTrue(nodeB.current().find(42, "carol@example.com").isEmpty());

    // What 'cert revoke --config' does on another machine: its own connection to the table.
    RevocationTable cli = new RevocationTable(open(server, url));
    assertTrue(cli.add(Revocation.identity("carol@example.com", AT)));
    assertFalse(cli.add(Revocation.identity("carol@example.com", AT.plusSeconds(60))));

    assertTrue(changed.await(10, TimeUnit.SECONDS), "node B never saw the change");
    Revocation seen = nodeB.current().find(42, "carol@example.com").orElseThrow();
    assertEquals(AT, seen.revokedAt());
    assertEquals(1, nodeB.entries().size());
    assertEquals(Optional.empty(), nodeB.problem());
  }

  @Test
  void aNodesFormerFileIsImportedOnceWhateverItHolds() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String url = server.newDatabase();
    RevocationList file = new RevocationList(dir.resolve("a"));
    file.add(Revocation.serial(-1L, AT)); // the largest unsigned serial
    file.add(Revocation.identity("tab\there 100%", AT.plusSeconds(1)));
    AuditDatabase database = open(server, url);

    SharedRevocations first = node(database, "a");
    assertTrue(first.current().find(-1L, "nobody").isPresent());
    assertTrue(first.current().find(1, "tab\there 100%").isPresent());
    first.close();

    // Started again (or a second node with the same file): nothing is added twice.
    SharedRevocations again = node(database, "a");
    assertEquals(file.entries(), again.entries());
    assertEquals(file.entries(), new RevocationTable(database).entries());
  }

  @Test
  void aRevocationWrittenToTheFileOfARunningNodeReachesTheTable() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String url = server.newDatabase();
    AuditDatabase database = open(server, url);
    SharedRevocations node = node(database, "a");
    CountDownLatch changed = new CountDownLatch(1);
    node.refresh(changed::countDown);

    // 'cert revoke' run without the configuration writes the node's file.
    new RevocationList(dir.resolve("a")).add(Revocation.serial(77, AT));

    assertTrue(changed.await(10, TimeUnit.SECONDS), "the file was not imported");
    assertTrue(node.current().find(77, "x").isPresent());
    assertEquals(List.of(Revocation.serial(77, AT)), new RevocationTable(database).entries());
  }

  @Test
  void aDatabaseThatGoesAwayLeavesTheLastListInForce() throws Exception {
    try (PostgresServer server = PostgresServer.start()) {
      String url = server.newDatabase();
      AuditDatabase database = open(server, url);
      new RevocationTable(database).add(Revocation.serial(5, AT));
      SharedRevocations node = node(database, "a");
      node.refresh(() -> {});

      server.stop();
      awaitProblem(node, true);
      assertEquals(
          Optional.of("revocations: cannot be read from the database, keeping the 1 known"),
          node.problem());
      assertTrue(node.current().find(5, "x").isPresent(), "a revocation was forgotten");
      List<String> notReady =
          new Readiness(database, dir, () -> false, () -> true, node::problem).notReady();
      assertTrue(
          notReady.contains("revocations: cannot be read from the database, keeping the 1 known"),
          "/readyz: " + notReady);

      server.resume();
      awaitProblem(node, false);
      assertTrue(node.current().find(5, "x").isPresent());
      node.close(); // before the server stops for good
    }
  }

  private static void awaitProblem(SharedRevocations node, boolean present)
      throws InterruptedException {
    for (int i = 0; i < 600 && node.problem().isPresent() != present; i++) {
      Thread.sleep(50);
    }
    assertEquals(present, node.problem().isPresent(), "problem: " + node.problem());
  }
}
