package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.cli.CliRun;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two bastion nodes on one PostgreSQL database (as behind a load balancer): a revocation made with
 * the configuration of node A ends the session running through node B and its web session there,
 * and refuses B's next login; {@code cert revoked} lists what the fleet has revoked; a node's
 * former {@code revoked} file is imported into the database when it starts.
 */
class FleetRevocationEndToEndTest {
  @TempDir Path dir;

  @Test
  void aRevocationMadeWithNodeAsConfigurationEndsTheSessionOnNodeB() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String yaml = databaseYaml(server, server.newDatabase());
    Path configA = dir.resolve("a.yaml");
    Files.writeString(configA, yaml);
    try (GatewayFixture a = GatewayFixture.start(dir.resolve("a"), "", yaml)) {
      sameCertificateAuthorities(a.dataDir, dir.resolve("b").resolve("data"));
      try (GatewayFixture b = GatewayFixture.start(dir.resolve("b"), "", yaml)) {
        Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("carol")), "id_carol");
        GatewayFixture.issue(
            new CaKeyStore(a.dataDir),
            key,
            "carol@example.com",
            List.of("ops"),
            Duration.ofHours(1));
        WebClient web = new WebClient(b, key); // signed in to node B's web viewer
        assertEquals(200, web.get("/api/me").statusCode());
        Process ssh = longSession(b, key);

        CliRun revoke =
            CliRun.of(
                    a.dataDir,
                    "--config",
                    configA.toString(),
                    "cert",
                    "revoke",
                    "--identity",
                    "carol@example.com")
                .ok();
        assertEquals(
            "revoked identity \"carol@example.com\"; logins with it are refused from now on",
            revoke.stdout().strip());

        assertTrue(ssh.waitFor(20, TimeUnit.SECONDS), "node B did not end the session");
        String err = new String(ssh.getErrorStream().readAllBytes());
        assertTrue(
            err.contains(
                "bastion: your certificate was revoked (identity \"carol@example.com\");"
                    + " session ended"),
            err);
        assertEquals(255, ssh.exitValue());
        AuditRows.await(b, AuditKind.CONNECTION_CLOSED, "revoked_identity", "carol@example.com");
        // Web sessions end in the same sweep, before the connections.
        assertEquals(401, web.get("/api/me").statusCode());

        CommandResult refused = b.sshWith(key, b.onTarget(), null, "echo again");
        assertNotEquals(0, refused.exitCode());
        assertFalse(refused.stdout().contains("again"), refused.toString());
        assertTrue(
            refused
                .stderr()
                .contains("bastion: certificate identity \"carol@example.com\" was revoked at "),
            refused.toString());
        // Alice's certificate is not revoked: node B still lets her in.
        CommandResult alice = b.ssh(b.onTarget(), null, "echo alice");
        assertEquals(0, alice.exitCode(), alice.toString());

        CliRun again =
            CliRun.of(
                a.dataDir,
                "--config",
                configA.toString(),
                "cert",
                "revoke",
                "--identity",
                "carol@example.com");
        assertTrue(
            again.ok().stdout().contains("identity \"carol@example.com\" was already revoked at "),
            again.stdout());
        String list =
            CliRun.of(b.dataDir, "--config", configA.toString(), "cert", "revoked").ok().stdout();
        assertTrue(list.contains("identity  carol@example.com"), list);
        // The fleet's revocations are in the database, not in a node's file.
        assertFalse(Files.exists(a.dataDir.resolve("revoked")));
      }
    }
  }

  @Test
  void aNodesFormerRevokedFileIsImportedWhenItStartsOnPostgres() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String yaml = databaseYaml(server, server.newDatabase());
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(config, yaml);
    Path dataDir =
        Files.createDirectories(
            dir.resolve("node").resolve("data"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    // Revoked while the node ran alone on its embedded database, before the upgrade.
    new RevocationList(dataDir)
        .add(Revocation.identity("dave@example.com", Instant.parse("2026-11-01T10:00:00Z")));
    assertEquals(
        "no revocations",
        CliRun.of(dataDir, "--config", config.toString(), "cert", "revoked").ok().stdout().strip());

    try (GatewayFixture node = GatewayFixture.start(dir.resolve("node"), "", yaml)) {
      String list =
          CliRun.of(dataDir, "--config", config.toString(), "cert", "revoked").ok().stdout();
      assertTrue(
          list.contains("2026-11-01T10:00:00Z     identity  dave@example.com"), "listed: " + list);
      Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("dave")), "id_dave");
      GatewayFixture.issue(
          new CaKeyStore(dataDir), key, "dave@example.com", List.of("ops"), Duration.ofHours(1));
      CommandResult refused = node.sshWith(key, node.onTarget(), null, "echo in");
      assertNotEquals(0, refused.exitCode(), refused.toString());
      assertTrue(
          refused.stderr().contains("certificate identity \"dave@example.com\" was revoked at"),
          refused.toString());
    }
  }

  /** {@code ssh} through {@code node} with {@code key}, running until it is ended; started. */
  private static Process longSession(GatewayFixture node, Path key) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(node.port())));
    cmd.addAll(node.sshOptions(key));
    cmd.addAll(List.of(node.onTarget() + "@127.0.0.1", "echo started; sleep 120"));
    Process ssh = new ProcessBuilder(cmd).start();
    assertEquals("started\n", new String(ssh.getInputStream().readNBytes("started\n".length())));
    return ssh;
  }

  /** Every node of a fleet has the same {@code ca/} keys, copied by the operator. */
  private static void sameCertificateAuthorities(Path from, Path to) throws IOException {
    Path ca = to.resolve("ca");
    Files.createDirectories(
        ca, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
    try (Stream<Path> files = Files.list(from.resolve("ca"))) {
      for (Path file : files.toList()) {
        Files.copy(file, ca.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private String databaseYaml(PostgresServer server, String url) throws IOException {
    Path file = dir.resolve("db.password");
    Files.writeString(file, server.password() + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return "database:\n  url: "
        + url
        + "\n  user: "
        + PostgresServer.USER
        + "\n  password_file: "
        + file
        + "\n";
  }
}
