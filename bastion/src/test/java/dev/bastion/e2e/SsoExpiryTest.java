package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.testsupport.CommandResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sign-in lasts {@code oidc.certificate_ttl} and no longer: a session open across its end is
 * ended with the reason, as a certificate's expiry ends its sessions. (The shortest allowed
 * lifetime is a minute, so this test takes one.)
 */
class SsoExpiryTest {
  @TempDir Path dir;
  private GatewayFixture gw;
  private final FakeIdentityProvider idp = new FakeIdentityProvider();

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aSessionOpenAcrossTheEndOfItsSignInEndsWithTheReason() throws Exception {
    gw =
        GatewayFixture.start(
            dir,
            "  clock_skew: 1s\n",
            SsoLoginTest.SSO_YAML.replace("certificate_ttl: 2h", "certificate_ttl: 1m"),
            oidc -> idp);
    try (InteractiveSsh ssh =
        InteractiveSsh.start(gw, null, gw.onTarget(), "echo started; sleep 300")) {
      idp.approve(ssh.awaitCode(), "kim@example.com", List.of("sre"));
      AuditRows.await(gw, AuditKind.LOGIN_ACCEPTED, "oidc", "kim@example.com");
      ssh.awaitStdout("started");
      // the sign-in lasts a minute (plus a second of skew); the session must not outlive it
      CommandResult ended = ssh.result(java.time.Duration.ofMinutes(3));
      assertEquals(255, ended.exitCode(), ended.toString());
      assertTrue(ended.stderr().contains("bastion: single sign-on ended at "), ended.stderr());
      assertTrue(
          ended.stderr().contains("(oidc.certificate_ttl); sign in again; session ended"),
          ended.stderr());
    }
    AuditRows.await(gw, AuditKind.CONNECTION_CLOSED, "expired", "kim@example.com");
  }
}
