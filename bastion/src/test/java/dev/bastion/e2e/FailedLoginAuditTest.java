package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 4 of issue 13: keys refused on the way to a good login (OpenSSH offers the plain key
 * before its certificate) leave no {@code login_refused} row; a connection that never logs in
 * leaves exactly one, saying what it offered.
 */
class FailedLoginAuditTest {
  @TempDir Path dir;

  @Test
  void plainKeyOfferedBeforeAGoodCertificateLeavesNoRefusal() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      Path first = OpenSsh.keygen(Files.createDirectories(dir.resolve("first")), "id_first");
      CommandResult in = ssh(gw, List.of(first, gw.userKey), "echo", "in");
      assertEquals(0, in.exitCode(), in.toString());
      assertEquals("in\n", in.stdout());
      // Then a login that fails, with another plain key only: its row is the first and only one
      // (a row of the good login's plain key would have made this one a merged count instead).
      Path other = OpenSsh.keygen(Files.createDirectories(dir.resolve("other")), "id_other");
      CommandResult out = ssh(gw, List.of(other), "true");
      assertEquals(255, out.exitCode(), out.toString());
      AuditEvent row = AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "not_a_certificate", null);
      assertTrue(row.detail().endsWith("; offered: plain key " + fingerprint(other)), row.detail());
      assertEquals(1, refusals(gw).size(), refusals(gw).toString());
    }
  }

  @Test
  void failedLoginLeavesOneRowWithEverythingItOffered() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      Path plain = OpenSsh.keygen(Files.createDirectories(dir.resolve("plain")), "id_plain");
      Path expired = OpenSsh.keygen(Files.createDirectories(dir.resolve("expired")), "id_old");
      Instant now = Instant.now();
      var cert =
          new CaKeyStore(gw.dataDir)
              .load(CaKind.USER)
              .sign(
                  CertificateRequest.user(
                          OpenSshKeys.readPublicKey(OpenSsh.pub(expired)),
                          "bob@example.com",
                          List.of("ops"),
                          Duration.ofHours(1),
                          Clock.systemUTC())
                      .withValidity(
                          now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(5))));
      OpenSsh.write(OpenSsh.cert(expired), OpenSshKeys.toLine(cert, null) + "\n");
      CommandResult out = ssh(gw, List.of(plain, expired), "true");
      assertEquals(255, out.exitCode(), out.toString());
      assertTrue(out.stderr().contains("bastion: certificate expired at "), out.stderr());

      AuditEvent row = AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "expired", "bob@example.com");
      assertTrue(row.detail().startsWith("certificate expired at "), row.detail());
      assertTrue(
          row.detail().contains("; offered: ")
              && row.detail().contains("plain key " + fingerprint(plain)),
          row.detail());
      assertTrue(
          row.detail()
              .contains(
                  "certificate serial "
                      + Long.toUnsignedString(cert.getSerial())
                      + " of bob@example.com"
                      + " (expired)"),
          row.detail());
      assertEquals(List.of(row), refusals(gw));
    }
  }

  private static CommandResult ssh(GatewayFixture gw, List<Path> keys, String... command) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(keys.get(0)));
    for (Path key : keys.subList(1, keys.size())) {
      cmd.addAll(List.of("-i", key.toString()));
    }
    cmd.add(gw.onTarget() + "@127.0.0.1");
    cmd.addAll(List.of(command));
    return ExternalCommand.of(cmd).timeout(Duration.ofMinutes(1)).run();
  }

  private static String fingerprint(Path key) {
    return OpenSshKeys.fingerprint(OpenSshKeys.readPublicKey(OpenSsh.pub(key)));
  }

  private static List<AuditEvent> refusals(GatewayFixture gw) {
    return new AuditReader(gw.bastion.database())
        .events(null, null, 1000).stream()
            .filter(e -> e.kind() == AuditKind.LOGIN_REFUSED)
            .toList();
  }
}
