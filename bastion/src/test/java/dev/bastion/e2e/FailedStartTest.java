package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.BastionServer;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.testsupport.PostgresServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails part way (here: the SSH port is taken) says why in one line and stops every
 * part it had brought up, so a supervisor's next try (or a test's) finds no poller, writer or
 * connection of the failed one still running.
 */
class FailedStartTest {
  /** Threads each start makes for itself (not process-wide pools). */
  private static final Set<String> OWN_THREADS =
      Set.of("bastion-revocations", "audit-writer", "audit-stream", "upstream-kex-keys");

  private static boolean own(Thread thread) {
    // The audit streams' threads are named after their output ("audit-stream FILE").
    return OWN_THREADS.contains(thread.getName().split(" ")[0]);
  }

  @TempDir Path dir;

  @Test
  void aTakenSshPortStopsTheStartAndLeavesNoThreadOfItBehind() throws Exception {
    Path data = dir.resolve("data");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      BastionConfig config = config("127.0.0.1:" + taken.getLocalPort(), "");
      List<Thread> before = List.copyOf(Thread.getAllStackTraces().keySet());

      IOException refused =
          assertThrows(
              IOException.class, () -> BastionServer.start(data, config, Clock.systemUTC()));

      assertOneLine(refused, "cannot listen on ", taken.getLocalPort());
      awaitGone(before);
      taken.close();
      // Nothing of the failed start holds the port, the data directory or the database.
      try (BastionServer again = BastionServer.start(data, config, Clock.systemUTC())) {
        assertTrue(again.fleet().joined());
      }
    }
  }

  @Test
  void aTakenClusterPortStopsTheStartAndLeavesNoThreadOfItBehind() throws Exception {
    Path data = dir.resolve("data");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String cluster = "127.0.0.1:" + taken.getLocalPort();
      BastionConfig config =
          config(
              "127.0.0.1:0",
              "cluster: {name: a, listen: '" + cluster + "', members: ['" + cluster + "']}\n");
      List<Thread> before = List.copyOf(Thread.getAllStackTraces().keySet());

      IOException refused =
          assertThrows(
              IOException.class, () -> BastionServer.start(data, config, Clock.systemUTC()));

      assertOneLine(refused, "cannot join the cluster at ", taken.getLocalPort());
      awaitGone(before);
    }
  }

  /** A bastion on a new PostgreSQL database, streaming its audit events to a file. */
  private BastionConfig config(String sshListen, String more) throws Exception {
    PostgresServer postgres = PostgresServer.shared();
    Path password = dir.resolve("db.password");
    Files.writeString(password, postgres.password() + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    return ConfigLoader.parse(
        "t.yaml",
        "ssh: {listen: '"
            + sshListen
            + "'}\n"
            + "web: {listen: '127.0.0.1:0'}\n"
            + "audit: {json_lines: '"
            + dir.resolve("audit.jsonl")
            + "'}\n"
            + "database:\n"
            + "  url: "
            + postgres.newDatabase()
            + "\n  user: "
            + PostgresServer.USER
            + "\n  password_file: "
            + password
            + "\n"
            + more);
  }

  private static void assertOneLine(IOException refused, String start, int port) {
    String message = refused.getMessage();
    assertTrue(message.startsWith(start) && message.contains(":" + port), message);
    assertEquals(1, message.lines().count(), message);
  }

  /** Waits (up to 10 s) until every own thread started since {@code before} has ended. */
  private static void awaitGone(List<Thread> before) throws InterruptedException {
    List<String> left = List.of();
    for (int i = 0; i < 100; i++) {
      left =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> !before.contains(t) && own(t))
              .map(Thread::getName)
              .toList();
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("threads of the failed start still running: " + left);
  }
}
