package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.BastionServer;
import dev.bastion.cli.CliRun;
import dev.bastion.config.ConfigLoader;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bastion whose audit database is a real PostgreSQL server ({@code database:}): sessions through
 * it leave their rows there, the command line reads them through the configuration, a wrong
 * password stops the start, and a database that goes away refuses new sessions until it is back.
 */
class PostgresEndToEndTest {
  @TempDir Path dir;

  /** The {@code database:} part of bastion.yaml, its password in a 0600 file. */
  private String databaseYaml(PostgresServer server, String url, String password) throws Exception {
    Path file = dir.resolve("db.password");
    Files.writeString(file, password + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return "database:\n"
        + "  url: "
        + url
        + "\n"
        + "  user: "
        + PostgresServer.USER
        + "\n"
        + "  password_file: "
        + file
        + "\n";
  }

  @Test
  void sessionsAreAuditedInPostgresAndTheCommandLineReadsThem() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String url = server.newDatabase();
    String database = url.substring(url.lastIndexOf('/') + 1);
    String yaml = databaseYaml(server, url, server.password());
    Path dataDir;
    String id;
    try (GatewayFixture gw = GatewayFixture.start(dir, "", yaml)) {
      dataDir = gw.dataDir;
      CommandResult result = gw.ssh(gw.onTarget(), null, "echo via-postgres");
      assertEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stdout().contains("via-postgres"), result.toString());
      id = gw.awaitSealed(s -> "echo via-postgres".equals(s.command())).id();
    }
    assertFalse(Files.exists(dataDir.resolve("audit.mv.db")), "no embedded database beside it");
    assertEquals(
        "ended|alice@example.com|t",
        server.sql(
            database,
            "SELECT state, identity, recording_sha256 IS NOT NULL FROM sessions WHERE id = '"
                + id
                + "'"));
    String kinds =
        server.sql(database, "SELECT kind FROM events WHERE session_id = '" + id + "' ORDER BY id");
    assertTrue(
        kinds.contains("session_started") && kinds.contains("session_ended"),
        "events in PostgreSQL: " + kinds);
    assertEquals("V1 V2 V3 V4 V5 V6", migrations(server, database));

    // The bastion is stopped: the command line finds the database through --config alone.
    Path config = dir.resolve("cli.yaml");
    Files.writeString(config, yaml);
    CliRun sessions = CliRun.of(dataDir, "--config", config.toString(), "sessions").ok();
    assertTrue(sessions.stdout().contains(id), sessions.stdout());
    CliRun audit = CliRun.of(dataDir, "--config", config.toString(), "audit").ok();
    assertTrue(audit.stdout().contains("session_ended"), audit.stdout());
    assertFalse((sessions.stdout() + sessions.stderr()).contains(server.password()));
  }

  private static String migrations(PostgresServer server, String database) {
    return String.join(
        " ",
        server
            .sql(
                database,
                "SELECT 'V' || version FROM flyway_schema_history WHERE success ORDER BY"
                    + " installed_rank")
            .lines()
            .toList());
  }

  @Test
  void aWrongPasswordStopsTheStartSayingSo() throws Exception {
    PostgresServer server = PostgresServer.shared();
    String url = server.newDatabase();
    var config = ConfigLoader.parse("test.yaml", databaseYaml(server, url, "not-the-password"));
    Exception e =
        assertThrows(
            Exception.class,
            () -> BastionServer.start(dir.resolve("data"), config, Clock.systemUTC()).close());
    assertTrue(
        e.getMessage().contains("cannot open the audit database at " + url)
            && e.getMessage().contains("password authentication failed"),
        e.getMessage());
    assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());
  }

  @Test
  void aDatabaseThatGoesAwayRefusesNewSessionsUntilItIsBack() throws Exception {
    try (PostgresServer server = PostgresServer.start()) {
      String url = server.newDatabase();
      try (GatewayFixture gw =
          GatewayFixture.start(dir, "", databaseYaml(server, url, server.password()))) {
        assertEquals(0, gw.ssh(gw.onTarget(), null, "echo before").exitCode());
        server.stop();
        CommandResult refused = gw.ssh(gw.onTarget(), null, "echo after");
        assertNotEquals(0, refused.exitCode());
        assertFalse(refused.stdout().contains("after"), refused.toString());
        assertTrue(
            refused.stderr().contains("the audit log cannot be written, so no session may start"),
            refused.toString());

        server.resume(); // back without a restart of the bastion
        CommandResult again = gw.ssh(gw.onTarget(), null, "echo again");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.stdout().contains("again"), again.toString());
      }
    }
  }
}
