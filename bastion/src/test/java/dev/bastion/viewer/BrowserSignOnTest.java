package dev.bastion.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.DiskReserve;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.oidc.BrowserLogin;
import dev.bastion.oidc.DeviceCode;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.oidc.SignInException;
import dev.bastion.oidc.SignedIn;
import dev.bastion.policy.TargetPolicy;
import dev.bastion.web.SingleSignOn;
import dev.bastion.web.WebRight;
import dev.bastion.web.WebUser;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who a browser sign-in makes someone: the roles of their groups with those roles' web rights,
 * until the token expires (8 hours at most); refused and audited with no role, when revoked, or
 * when the provider fails.
 */
class BrowserSignOnTest {
  static final String KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOBa+SuSTtCXdCIl5/kGuy3CPjFmoggjUjAEahAHZNDk";
  static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
  static final String ISSUER = "https://idp.example/realms/eng";

  @TempDir Path dir;
  AuditDatabase database;
  AuditLog audit;
  RevocationList revocations;
  volatile CompletableFuture<SignedIn> answer;
  BrowserSignOn signOn;

  @BeforeEach
  void start() {
    database = AuditDatabase.open(dir);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    audit = new AuditLog(database, DiskReserve.NONE, clock);
    revocations = new RevocationList(dir);
    TargetPolicy policy =
        new TargetPolicy(
            ConfigLoader.parse(
                "t.yaml",
                String.join(
                    "\n",
                    "oidc: {issuer: '" + ISSUER + "', client_id: bastion}",
                    "targets:",
                    "  web01: {address: 'h1', host_key: '" + KEY + "', logins: [deploy]}",
                    "roles:",
                    "  ops: {oidc_groups: [sre], targets: ['web*'], logins: [deploy]}",
                    "  reviewer: {oidc_groups: [approvers], targets: [], can: [approve, shadow]}",
                    "")));
    signOn = new BrowserSignOn(new Provider(), policy, revocations, audit, clock);
  }

  @AfterEach
  void stop() {
    audit.close();
    database.close();
  }

  /** Answers every browser sign-in with {@link #answer}. */
  final class Provider implements IdentityProvider {
    @Override
    public String name() {
      return "Keycloak";
    }

    @Override
    public String issuer() {
      return ISSUER;
    }

    @Override
    public CompletableFuture<DeviceCode> startDeviceLogin() {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<SignedIn> awaitDeviceLogin(DeviceCode code) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<BrowserLogin> beginBrowserLogin(URI redirectUri) {
      return CompletableFuture.completedFuture(
          new BrowserLogin(URI.create(ISSUER + "/auth"), "s", "n", "v", redirectUri));
    }

    @Override
    public CompletableFuture<SignedIn> finishBrowserLogin(BrowserLogin pending, String code) {
      return answer;
    }
  }

  SingleSignOn.SignedOn signIn(String identity, List<String> groups, Duration tokenLeft)
      throws Exception {
    answer =
        CompletableFuture.completedFuture(
            new SignedIn(ISSUER, "sub-" + identity, identity, groups, NOW.plus(tokenLeft)));
    return finish();
  }

  SingleSignOn.SignedOn finish() {
    SingleSignOn.SignIn pending = signOn.begin(URI.create("http://b/auth/callback")).join();
    assertEquals("s", pending.state());
    return pending.finish("code").join();
  }

  String refusal(String identity, List<String> groups) {
    CompletionException failed =
        org.junit.jupiter.api.Assertions.assertThrows(
            CompletionException.class,
            () -> {
              answer =
                  CompletableFuture.completedFuture(
                      new SignedIn(ISSUER, "x", identity, groups, NOW.plusSeconds(300)));
              signOn.begin(URI.create("http://b/auth/callback")).join().finish("code").join();
            });
    return assertInstanceOf(SingleSignOn.Refused.class, failed.getCause()).getMessage();
  }

  AuditEvent lastRefusal() {
    audit
        .record(
            new AuditEvent(
                NOW, AuditKind.SERVER_STARTED, null, null, null, null, null, null, null, null))
        .join(); // rows are written in order: the refusal before this one
    List<AuditEvent> rows =
        new AuditReader(database)
            .events(NOW.minusSeconds(1), null, 100).stream()
                .filter(e -> e.kind() == AuditKind.LOGIN_REFUSED)
                .toList();
    return rows.get(rows.size() - 1);
  }

  @Test
  void theGroupsGiveRolesAndTheirWebRightsUntilTheTokenExpires() throws Exception {
    SingleSignOn.SignedOn bob =
        signIn("bob@example.com", List.of("approvers", "other"), Duration.ofMinutes(5));
    WebUser user = bob.user();
    assertEquals("bob@example.com", user.identity());
    assertEquals(Set.of("reviewer"), user.roles());
    assertEquals(Set.of(WebRight.APPROVE, WebRight.SHADOW), user.rights());
    assertEquals(NOW.plus(Duration.ofMinutes(5)), user.expiresAt());
    assertEquals(null, user.serial(), "no certificate serial a revocation by serial could match");
    assertEquals(
        "issuer "
            + ISSUER
            + ", subject sub-bob@example.com, groups approvers,other, roles reviewer",
        bob.detail());
  }

  @Test
  void aLongLivedTokenGivesEightHoursAtMost() throws Exception {
    assertEquals(
        NOW.plus(Duration.ofHours(8)),
        signIn("alice@example.com", List.of("sre"), Duration.ofDays(2)).user().expiresAt());
  }

  @Test
  void groupsThatGiveNoRoleAreRefusedAndAudited() {
    assertEquals(
        "Signed in as carol@example.com, but your groups at Keycloak (none) give you no role on"
            + " this bastion. Ask its operators for access.",
        refusal("carol@example.com", List.of()));
    AuditEvent row = lastRefusal();
    assertEquals("no_role", row.code());
    assertEquals("carol@example.com", row.identity());
    assertEquals("web sign-in: issuer " + ISSUER + ", subject x, groups (none)", row.detail());
  }

  @Test
  void aRevokedIdentityIsRefusedAndAudited() {
    revocations.add(Revocation.identity("alice@example.com", NOW));
    assertEquals(
        "The identity alice@example.com is revoked on this bastion.",
        refusal("alice@example.com", List.of("sre")));
    assertEquals("revoked_identity", lastRefusal().code());
  }

  @Test
  void aFailedSignInShowsTheProvidersLineAndIsAuditedWithItsReason() {
    answer =
        CompletableFuture.failedFuture(
            new SignInException(
                SignInException.Reason.INVALID_TOKEN,
                "The identity token's nonce does not match."));
    CompletionException failed =
        org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () -> finish());
    assertEquals(
        "The identity token's nonce does not match.",
        assertInstanceOf(SingleSignOn.Refused.class, failed.getCause()).getMessage());
    assertEquals("sso_invalid_token", lastRefusal().code());
  }

  @Test
  void aDeniedSignInIsAudited() throws Exception {
    signOn.begin(URI.create("http://b/auth/callback")).get().failed("access_denied");
    assertEquals("sso_denied", lastRefusal().code());
  }
}
