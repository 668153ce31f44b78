package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.BastionServer;
import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditReader;
import dev.bastion.cli.CliRun;
import dev.bastion.config.ConfigLoader;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.testsupport.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local user on the bastion host gets nothing: no database port, no empty password, no file or
 * directory of the data directory open to group or others, and {@code serve} refuses a data
 * directory that is (issue 11, #7). The command line still reads a running bastion.
 */
class LocalUserAccessTest {
  @TempDir Path dir;
  GatewayFixture gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void nothingListensButTheConfiguredSshAndWebPorts() throws Exception {
    gw = GatewayFixture.start(dir, "");
    assertEquals(0, gw.ssh(gw.onTarget(), null, "true").exitCode());
    assertEquals(
        Set.of(gw.port(), gw.bastion.webPort()),
        listeningPortsOfThisProcess(),
        "TCP ports this JVM listens on");
  }

  @Test
  void filesAreTheBastionsAloneAndTheCommandLineReadsTheRunningBastion() throws Exception {
    gw = GatewayFixture.start(dir, "");
    CommandResult run = gw.ssh(gw.onTarget(), null, "echo recorded");
    assertEquals(0, run.exitCode(), run.toString());
    awaitSealedRecording();

    List<String> open = new ArrayList<>();
    try (Stream<Path> all = Files.walk(gw.dataDir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        boolean publicKey = p.getFileName().toString().endsWith(".pub");
        if (!publicKey && perms.stream().anyMatch(x -> x.name().matches("(GROUP|OTHERS)_.*"))) {
          open.add(gw.dataDir.relativize(p) + " " + PosixFilePermissions.toString(perms));
        }
      }
    }
    assertEquals(List.of(), open, "open to group or others");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(gw.dataDir.resolve("bastion.sock"))));

    // The server holds the database; the command line asks it through bastion.sock.
    CliRun sessions = CliRun.of(gw.dataDir, "sessions").ok();
    assertTrue(sessions.stdout().contains("echo recorded") || sessions.stdout().contains("exec"));
    assertTrue(sessions.stdout().contains(gw.login + "@web01"), sessions.stdout());
    CliRun json = CliRun.of(gw.dataDir, "sessions", "--json", "--limit", "1").ok();
    assertTrue(json.stdout().contains("\"command\" : \"echo recorded\""), json.stdout());
    CliRun audit = CliRun.of(gw.dataDir, "audit", "--identity", "alice@example.com").ok();
    assertTrue(audit.stdout().contains("session_started"), audit.stdout());
    assertTrue(
        audit.stdout().lines().allMatch(l -> l.contains("alice@example.com")), audit.stdout());
    assertTrue(
        CliRun.of(gw.dataDir, "audit", "--since", "1h").ok().stdout().contains("server_started"));
  }

  @Test
  void theDatabaseHasARandomPasswordAndTheBastionsSqlUserCannotReadFiles() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(
        data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    String url = "jdbc:h2:file:" + data.toAbsolutePath().resolve("audit");
    // A database as the former bastion made it: user bastion, empty password, one audit row.
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, "bastion", "")
        .locations("classpath:db/migration", "classpath:db/h2")
        .load()
        .migrate();
    try (Connection old = DriverManager.getConnection(url, "bastion", "");
        Statement st = old.createStatement()) {
      st.execute(
          "INSERT INTO events (at, kind, detail) VALUES (CURRENT_TIMESTAMP, 'server_started',"
              + " 'old row')");
    }
    AuditDatabase database = AuditDatabase.open(data);
    SQLException refused =
        assertThrows(
            SQLException.class, () -> DriverManager.getConnection(url, "bastion", "").close());
    assertEquals(28000, refused.getErrorCode(), refused.getMessage());
    Path password = data.resolve("audit.password");
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(password)));
    try (Connection owner =
        DriverManager.getConnection(url, "bastion", Files.readString(password).strip())) {
      assertTrue(owner.isValid(1), "the schema owner's password is the one in audit.password");
    }
    assertEquals(
        "old row",
        new AuditReader(database).events(null, null, 10).get(0).detail(),
        "migrating the password keeps the rows");
    // The refused empty password above reached a database nobody held open (H2 traced it with its
    // defaults); from here on the bastion holds it, and what it refuses leaves no trace file.
    Files.deleteIfExists(data.resolve("audit.trace.db"));
    Files.writeString(data.resolve("secret"), "the user CA's key");
    try (Connection app = database.connect();
        Statement st = app.createStatement()) {
      SQLException e =
          assertThrows(
              SQLException.class,
              () -> st.executeQuery("SELECT FILE_READ('" + data.resolve("secret") + "')"));
      assertTrue(e.getMessage().contains("Admin rights"), e.getMessage());
      assertThrows(SQLException.class, () -> st.execute("DROP TABLE events"));
      try (var rs =
          st.executeQuery(
              "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                  + " WHERE SETTING_NAME = 'WRITE_DELAY'")) {
        assertTrue(rs.next());
        assertEquals("0", rs.getString(1), "every commit reaches the file at once");
      }
      assertEquals(1, new AuditReader(database).events(null, null, 10).size());
    }
    // H2 would have traced those refusals, statements included, into a file made with the umask.
    assertFalse(Files.exists(data.resolve("audit.trace.db")), "no H2 trace file");
    database.close();
  }

  @Test
  void serveRefusesADataDirectoryOrSecretOpenToGroupOrOthers() throws Exception {
    Path data = dir.resolve("data");
    CliRun.of(data, "ca", "init").ok();
    AuditDatabase.open(data);
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(config, "ssh:\n  listen: 127.0.0.1:0\nweb:\n  listen: 127.0.0.1:0\n");

    chmod(data, "rwxr-xr-x");
    assertRefused(data, data, "chmod 700 " + data.toAbsolutePath());
    CliRun serve = CliRun.of(data, "serve", "--config", config.toString());
    assertEquals(1, serve.exitCode(), serve.toString());
    assertEquals(1, serve.stderr().lines().count(), serve.stderr());
    assertTrue(
        serve
            .stderr()
            .startsWith("bastion: " + data.toAbsolutePath() + " is open to group or others"),
        serve.stderr());
    assertTrue(serve.stderr().contains("chmod 700 " + data.toAbsolutePath()), serve.stderr());
    chmod(data, "rwx------");

    for (String secret :
        List.of("ca/user_ca", "audit.mv.db", "audit.password", "ssh_host_ed25519_key")) {
      Path file = data.resolve(secret);
      if (!Files.exists(file)) {
        continue; // the host key is made at the first start
      }
      chmod(file, "rw-r-----");
      assertRefused(data, file, "chmod 600 " + file.toAbsolutePath());
      chmod(file, "rw-------");
    }
    chmod(data.resolve("ca"), "rwxr-x---");
    assertRefused(data, data.resolve("ca"), "chmod 700");
  }

  private void assertRefused(Path data, Path open, String fix) throws Exception {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                BastionServer.start(
                        data,
                        ConfigLoader.parse(
                            "t.yaml", "ssh:\n  listen: 127.0.0.1:0\nweb:\n  listen: 127.0.0.1:0\n"),
                        Clock.systemUTC())
                    .close(),
            open + " is open to others: the bastion must not start");
    assertTrue(e.getMessage().contains(open.toAbsolutePath().toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fix), e.getMessage());
  }

  private static void chmod(Path p, String mode) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  private void awaitSealedRecording() throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 200; i++) {
      if (reader.sessions(false, 10).stream().anyMatch(s -> s.recordingSha256() != null)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no sealed recording: " + reader.sessions(false, 10));
  }

  /** TCP ports in LISTEN state whose sockets belong to this JVM (/proc/net/tcp and tcp6). */
  static Set<Integer> listeningPortsOfThisProcess() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // the descriptor was closed while we looked
        }
      }
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
