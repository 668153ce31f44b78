package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 6: values longer than their audit columns are cut with a visible marker instead of
 * failing the insert, so no login, refusal or session goes unaudited.
 */
class AuditRowLengthTest {
  private static final String CUT = "…[+";

  @TempDir static Path dir;
  static GatewayFixture gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayFixture.start(dir, "");
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void tenKilobyteKeyIdLogsInAndUsesTheWebViewerWithTruncatedMarkedRows() throws Exception {
    String keyId = "long-" + "k".repeat(10_000) + "@example.com";
    Path key = OpenSsh.keygen(dir, "id_long_key_id");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir), key, keyId, List.of("ops"), Duration.ofHours(1));

    CommandResult session = gw.sshWith(key, gw.onTarget(), null, "echo", "audited");
    assertEquals(0, session.exitCode(), session.toString());
    assertEquals("audited", session.stdout().strip());
    AuditEvent accepted = lastOf(AuditKind.LOGIN_ACCEPTED, "long-kkk").orElseThrow();
    assertTrue(accepted.identity().length() <= 1024, "identity fits its column");
    assertTrue(accepted.identity().contains(CUT), accepted.identity().substring(1000));

    CommandResult link = gw.sshWith(key, "me", null, "web-login");
    assertEquals(0, link.exitCode(), link.toString());
    HttpResponse<String> login =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(link.stdout().strip())).build(),
                HttpResponse.BodyHandlers.ofString());
    assertNotEquals(500, login.statusCode(), login.body());
    SshProbe.await(
        () -> lastOf(AuditKind.WEB_LOGIN, "long-kkk").isPresent(),
        "a web_login row for the key id");
    assertTrue(lastOf(AuditKind.WEB_LOGIN, "long-kkk").orElseThrow().identity().contains(CUT));
  }

  @Test
  void twoThousandCharacterKeyIdFromAnUntrustedCaLeavesALoginRefusedRow() throws Exception {
    String keyId = "rogue-" + "r".repeat(2_000);
    Path key = OpenSsh.keygen(dir, "id_rogue");
    CertificateAuthority rogue =
        new CertificateAuthority(CaKind.USER, OpenSshKeys.generateEd25519());
    var cert =
        rogue.sign(
            CertificateRequest.user(
                OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                keyId,
                List.of("ops"),
                Duration.ofHours(1),
                Clock.systemUTC()));
    OpenSsh.write(OpenSsh.cert(key), OpenSshKeys.toLine(cert, "rogue") + "\n");

    CommandResult probe = gw.sshWith(key, gw.onTarget(), null, "true");
    assertNotEquals(0, probe.exitCode(), probe.toString());
    SshProbe.await(
        () -> lastOf(AuditKind.LOGIN_REFUSED, "rogue-rrr").isPresent(),
        "a login_refused row for the rogue certificate");
    AuditEvent refused = lastOf(AuditKind.LOGIN_REFUSED, "rogue-rrr").orElseThrow();
    assertTrue(refused.identity().length() <= 1024 && refused.identity().contains(CUT));
  }

  @Test
  void tenKilobyteLoginAtTargetLeavesASessionRefusedRow() throws Exception {
    String login = "l".repeat(10_000);
    CommandResult refused = gw.ssh(login + "@web01", null, "true");
    assertNotEquals(0, refused.exitCode(), refused.toString());
    SshProbe.await(
        () ->
            SshProbe.events(gw, AuditKind.SESSION_REFUSED).stream()
                .anyMatch(e -> e.login() != null && e.login().startsWith("llll")),
        "a session_refused row for the 10 kB login");
    AuditEvent row =
        SshProbe.events(gw, AuditKind.SESSION_REFUSED).stream()
            .filter(e -> e.login() != null && e.login().startsWith("llll"))
            .findFirst()
            .orElseThrow();
    assertTrue(row.login().length() <= 64 && row.login().contains(CUT), row.login());
    assertTrue(row.detail().length() <= 8192, "detail fits its column");
  }

  private static Optional<AuditEvent> lastOf(AuditKind kind, String identityPrefix) {
    List<AuditEvent> rows = SshProbe.events(gw, kind);
    return rows.stream()
        .filter(e -> e.identity() != null && e.identity().startsWith(identityPrefix))
        .reduce((a, b) -> b);
  }
}
