package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.AuditRows;
import dev.bastion.e2e.FakeIdentityProvider;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.e2e.InteractiveSsh;
import dev.bastion.oidc.SignInException;
import dev.bastion.testsupport.CommandResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on opens no way around the per-address throttle: a refused sign-in counts as a failed
 * login like a refused certificate, and at most one device flow runs per connection.
 */
class SsoRefusalThrottleTest {
  @TempDir Path dir;

  @Test
  void refusedSignInsCountAsFailedLogins() throws Exception {
    FakeIdentityProvider idp = new FakeIdentityProvider();
    try (GatewayFixture gw =
        GatewayFixture.start(
            dir,
            "ssh:\n"
                + "  throttle: {window: 10m, failed_logins: 2, connections: 1000,"
                + " unauthenticated: 50}\n"
                + "oidc:\n"
                + "  issuer: "
                + FakeIdentityProvider.ISSUER
                + "\n"
                + "  client_id: bastion\n",
            oidc -> idp)) {
      for (int i = 0; i < 2; i++) {
        try (InteractiveSsh ssh = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
          idp.fail(
              ssh.awaitCode(),
              new SignInException(SignInException.Reason.DENIED, "the sign-in was denied"));
          CommandResult refused = ssh.result();
          assertEquals(255, refused.exitCode(), refused.toString());
          assertTrue(
              refused.stderr().contains("bastion: the sign-in was denied"), refused.stderr());
        }
      }
      // ssh retries keyboard-interactive; each connection still started one device flow only.
      assertEquals(2, idp.started());
      CommandResult engineer = gw.ssh(gw.onTarget(), null, "true");
      for (int i = 0; i < 50 && engineer.exitCode() == 0; i++) {
        Thread.sleep(100);
        engineer = gw.ssh(gw.onTarget(), null, "true");
      }
      assertEquals(255, engineer.exitCode(), engineer.toString());
      AuditRows.await(gw, AuditKind.CONNECTION_REFUSED, "too_many_failed_logins", null);
    }
  }
}
