package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.AuditRows;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client refused for want of a certificate is told why over keyboard-interactive, and that second
 * method opens no way around the per-address throttle: each such connection still counts as a
 * failed login.
 */
class ExplainedRefusalTest {
  @TempDir Path dir;

  @Test
  void explainedRefusalsStillCountAsFailedLogins() throws Exception {
    try (GatewayFixture gw =
        GatewayFixture.start(
            dir,
            "",
            "ssh:\n"
                + "  throttle: {window: 10m, failed_logins: 2, connections: 1000,"
                + " unauthenticated: 50}\n")) {
      Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("plain")), "id_plain");
      for (int i = 0; i < 2; i++) {
        CommandResult refused = gw.sshNotBatch(key, gw.onTarget(), "true");
        assertEquals(255, refused.exitCode(), refused.toString());
        assertTrue(
            refused.stderr().contains("bastion: no certificate was offered;"), refused.stderr());
      }
      // The two failures are counted once their connections close; then even a good certificate
      // from this address is turned away before key exchange, until the window refills.
      CommandResult engineer = gw.sshNotBatch(gw.userKey, gw.onTarget(), "true");
      for (int i = 0; i < 50 && engineer.exitCode() == 0; i++) {
        Thread.sleep(100);
        engineer = gw.sshNotBatch(gw.userKey, gw.onTarget(), "true");
      }
      assertEquals(255, engineer.exitCode(), engineer.toString());
      AuditRows.await(gw, AuditKind.CONNECTION_REFUSED, "too_many_failed_logins", null);
    }
  }
}
