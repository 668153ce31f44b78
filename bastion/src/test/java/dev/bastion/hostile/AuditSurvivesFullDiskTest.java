package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.proxy.SetupHold;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 2, the disk: pre-login noise is dropped (and counted) long before session rows are; below
 * the floor sessions are refused with a clear message; and the audit log recovers by itself when
 * space returns or the database comes back, without a restart.
 */
class AuditSurvivesFullDiskTest {
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  @Test
  void refusalsAreDroppedBelowTheReserveAndSessionsRefusedBelowTheFloorUntilSpaceReturns()
      throws Exception {
    AtomicLong free = new AtomicLong(10_000 * MIB);
    try (GatewayFixture gw =
            GatewayFixture.start(
                dir,
                "",
                "ssh:\n"
                    + "  throttle: {window: 1s, connections: 1000, failed_logins: 1000,"
                    + " unauthenticated: 100}\n"
                    + "audit: {disk_reserve_mib: 256, disk_floor_mib: 64}\n",
                SetupHold.NONE,
                free::get);
        SshProbe probe = new SshProbe()) {
      KeyPair plain = OpenSshKeys.generateEd25519();
      assertFalse(probe.tryLogin(gw.port(), "root@web01", plain));
      SshProbe.await(
          () -> SshProbe.events(gw, AuditKind.LOGIN_REFUSED).size() == 1, "the first refusal");

      // Below the reserve: twenty refusals are counted, not written; sessions still run.
      free.set(100 * MIB);
      for (int i = 0; i < 20; i++) {
        assertFalse(probe.tryLogin(gw.port(), "root@web01", OpenSshKeys.generateEd25519()));
      }
      CommandResult session = gw.ssh(gw.onTarget(), null, "echo", "low");
      assertEquals(0, session.exitCode(), session.toString());
      // The session's rows come after the refusals in the writer's queue.
      assertEquals(1, SshProbe.events(gw, AuditKind.LOGIN_REFUSED).size());

      // Below the floor: no session starts, and the engineer is told why.
      free.set(10 * MIB);
      CommandResult refused = gw.ssh(gw.onTarget(), null, "echo", "floor");
      assertNotEquals(0, refused.exitCode(), refused.toString());
      assertTrue(refused.stderr().contains("the audit log cannot be written"), refused.stderr());

      // Space returns: sessions start again; the refusals not written are one counted row, and
      // every refusal is accounted for.
      free.set(10_000 * MIB);
      CommandResult back = gw.ssh(gw.onTarget(), null, "echo", "back");
      assertEquals(0, back.exitCode(), back.toString());
      List<AuditEvent> dropped = SshProbe.events(gw, AuditKind.REFUSALS_DROPPED);
      assertEquals(1, dropped.size(), dropped.toString());
      assertTrue(dropped.get(0).count() >= 1, dropped.toString());
      SshProbe.await(() -> counted(gw) >= 21, "all 21 refusals counted (ssh adds its plain key)");
    }
  }

  private static long counted(GatewayFixture gw) {
    return SshProbe.events(gw).stream()
        .filter(e -> e.kind() == AuditKind.LOGIN_REFUSED || e.kind() == AuditKind.REFUSALS_DROPPED)
        .mapToLong(AuditEvent::count)
        .sum();
  }

  @Test
  void theAuditLogRecoversWhenItsDatabaseIsClosedUnderneath() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      assertEquals(0, gw.ssh(gw.onTarget(), null, "true").exitCode());
      // SHUTDOWN needs the schema owner (the bastion itself connects as a user without admin
      // rights).
      String password = Files.readString(gw.dataDir.resolve("audit.password")).strip();
      try (Connection c =
              DriverManager.getConnection(
                  "jdbc:h2:file:"
                      + gw.dataDir.toAbsolutePath().resolve("audit")
                      + ";DB_CLOSE_ON_EXIT=FALSE",
                  "bastion",
                  password);
          Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      CommandResult after = gw.ssh(gw.onTarget(), null, "echo", "recovered");
      assertEquals(0, after.exitCode(), after.toString());
      assertEquals("recovered", after.stdout().strip());
      assertTrue(
          SshProbe.events(gw, AuditKind.SESSION_STARTED).size() >= 2,
          "the session after the failure is audited");
    }
  }

  /**
   * The finding as it happened, on a real disk: the data directory on a small filesystem that fills
   * up completely (the database cannot write at all), then gets its space back. Sessions are
   * refused with the reason meanwhile, and start again afterwards without a restart.
   */
  @Test
  void aDataDiskThatReallyFillsUpRefusesSessionsAndRecoversWhenSpaceReturns() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "filling a disk needs a small filesystem, and mounting one needs root (CI runs as root)");
    Path data = Files.createDirectories(dir.resolve("data"));
    ExternalCommand.of("mount", "-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", data.toString())
        .run()
        .orThrow();
    try (GatewayFixture gw =
        GatewayFixture.start(dir, "", "audit: {disk_reserve_mib: 8, disk_floor_mib: 4}\n")) {
      CommandResult before = gw.ssh(gw.onTarget(), null, "echo", "before");
      assertEquals(0, before.exitCode(), before.toString());

      Path filler = data.resolve("filler");
      fillUp(filler);
      CommandResult full = gw.ssh(gw.onTarget(), null, "echo", "full");
      assertNotEquals(0, full.exitCode(), full.toString());
      assertTrue(full.stderr().contains("the audit log cannot be written"), full.stderr());

      Files.delete(filler);
      CommandResult back = gw.ssh(gw.onTarget(), null, "echo", "back");
      assertEquals(0, back.exitCode(), back.toString());
      assertEquals("back", back.stdout().strip());
      SshProbe.await(
          () ->
              SshProbe.events(gw, AuditKind.SESSION_STARTED).stream()
                  .anyMatch(e -> e.detail() != null && e.detail().contains("echo back")),
          "the session after the disk was full is audited");
    } finally {
      ExternalCommand.of("umount", "-l", data.toString()).run();
    }
  }

  /** Writes zeros to {@code file} until the filesystem has no byte left. */
  private static void fillUp(Path file) throws Exception {
    byte[] block = new byte[1 << 16];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (java.io.IOException full) {
      // "No space left on device": the disk is full
    }
  }
}
