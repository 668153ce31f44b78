package dev.bastion.oidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.bastion.oidc.SignInException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity token verification with keys and tokens made here: what the bastion accepts (identity,
 * groups in their several shapes) and what it refuses (bad signature, wrong issuer or audience,
 * expired, wrong nonce, missing identity, unverified email).
 */
class IdTokenCheckTest {
  private static final String ISSUER = "https://idp.example.com/realms/eng";
  private static final String CLIENT = "bastion";
  private static RSAKey providerKey;
  private static RSAKey otherKey;

  @BeforeAll
  static void keys() throws JOSEException {
    providerKey = new RSAKeyGenerator(2048).keyID("k1").generate();
    // Same key id, different key: a forged token that names the provider's key.
    otherKey = new RSAKeyGenerator(2048).keyID("k1").generate();
  }

  @Test
  void acceptsAValidTokenWithIdentityAndGroupList() throws Exception {
    SignedIn person = check("email", "groups").verify(token(c -> c), null);

    assertEquals(ISSUER, person.issuer());
    assertEquals("f00-alice", person.subject());
    assertEquals("alice@example.com", person.identity());
    assertEquals(List.of("sre", "dba"), person.groups());
    assertTrue(person.tokenExpiresAt().isAfter(Instant.now()));
  }

  @Test
  void groupsMayBeOneStringOrAbsentOrANestedPath() throws Exception {
    assertEquals(
        List.of("sre"),
        check("email", "groups").verify(token(c -> c.claim("groups", "sre")), null).groups());
    assertEquals(
        List.of(),
        check("email", "groups").verify(token(c -> c.claim("groups", null)), null).groups());
    assertEquals(
        List.of("admin", "ops"),
        check("email", "realm_access.roles")
            .verify(
                token(c -> c.claim("realm_access", Map.of("roles", List.of("admin", "ops")))), null)
            .groups());
    assertEquals(
        List.of("eng"),
        check("email", "https://example.com/groups")
            .verify(token(c -> c.claim("https://example.com/groups", List.of("eng"))), null)
            .groups());
  }

  @Test
  void theIdentityClaimMayBeAnotherClaim() throws Exception {
    SignedIn person =
        check("preferred_username", "groups")
            .verify(token(c -> c.claim("preferred_username", "alice")), null);
    assertEquals("alice", person.identity());
  }

  @Test
  void refusesASignatureByAnotherKey() throws Exception {
    SignInException e =
        refused(check("email", "groups"), sign(otherKey, claims(c -> c).build()), null);
    assertEquals(Reason.INVALID_TOKEN, e.reason());
  }

  @Test
  void refusesAnotherIssuer() {
    SignInException e = refused(c -> c.issuer("https://evil.example.com"), null);
    assertEquals(Reason.INVALID_TOKEN, e.reason());
    assertTrue(e.getMessage().contains("issuer"), e.getMessage());
  }

  @Test
  void refusesATokenForAnotherClient() {
    SignInException e = refused(c -> c.audience("another-app"), null);
    assertEquals(Reason.INVALID_TOKEN, e.reason());
    assertTrue(e.getMessage().contains("audience"), e.getMessage());
  }

  @Test
  void refusesAnExpiredToken() {
    Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
    SignInException e =
        refused(
            c ->
                c.issueTime(Date.from(hourAgo.minus(Duration.ofMinutes(5))))
                    .expirationTime(Date.from(hourAgo)),
            null);
    assertEquals(Reason.INVALID_TOKEN, e.reason());
    assertTrue(e.getMessage().contains("expired"), e.getMessage());
  }

  @Test
  void refusesAnotherNonceAndAMissingOneInTheBrowserFlow() throws Exception {
    Nonce expected = new Nonce("the-nonce-we-sent");
    assertEquals(
        "alice@example.com",
        check("email", "groups")
            .verify(token(c -> c.claim("nonce", expected.getValue())), expected)
            .identity());

    SignInException other = refused(c -> c.claim("nonce", "someone-elses"), expected);
    assertEquals(Reason.INVALID_TOKEN, other.reason());
    assertFalse(other.getMessage().contains("someone-elses"), other.getMessage());
    assertEquals(Reason.INVALID_TOKEN, refused(c -> c, expected).reason());
  }

  @Test
  void refusesATokenWithoutTheIdentityClaim() {
    SignInException e = refused(c -> c.claim("email", null), null);
    assertEquals(Reason.MISSING_CLAIM, e.reason());
    assertTrue(e.getMessage().contains("email"), e.getMessage());
  }

  @Test
  void refusesAnUnverifiedEmailButNotAnUnsaidOne() throws Exception {
    SignInException e = refused(c -> c.claim("email_verified", false), null);
    assertEquals(Reason.MISSING_CLAIM, e.reason());
    assertTrue(e.getMessage().contains("not verified"), e.getMessage());

    assertEquals(
        "alice@example.com",
        check("email", "groups")
            .verify(token(c -> c.claim("email_verified", null)), null)
            .identity());
  }

  @Test
  void messagesAreOneLineWithoutTheToken() throws Exception {
    SignedJWT forged = sign(otherKey, claims(c -> c).build());
    SignInException e = refused(check("email", "groups"), forged, null);
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(e.getMessage().contains(forged.getSignature().toString()), e.getMessage());
    assertFalse(e.getMessage().contains(forged.serialize().substring(0, 20)), e.getMessage());
  }

  private static IdTokenCheck check(String identityClaim, String groupsClaim) {
    return new IdTokenCheck(
        "Keycloak",
        new Issuer(ISSUER),
        new ClientID(CLIENT),
        Set.of(JWSAlgorithm.RS256),
        new ImmutableJWKSet<>(new JWKSet(providerKey.toPublicJWK())),
        identityClaim,
        groupsClaim);
  }

  private static SignInException refused(UnaryOperator<JWTClaimsSet.Builder> change, Nonce nonce) {
    try {
      return refused(check("email", "groups"), token(change), nonce);
    } catch (JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static SignInException refused(IdTokenCheck check, SignedJWT token, Nonce nonce) {
    return assertThrows(SignInException.class, () -> check.verify(token, nonce));
  }

  private static SignedJWT token(UnaryOperator<JWTClaimsSet.Builder> change) throws JOSEException {
    return sign(providerKey, claims(change).build());
  }

  private static JWTClaimsSet.Builder claims(UnaryOperator<JWTClaimsSet.Builder> change) {
    Instant now = Instant.now();
    return change.apply(
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("f00-alice")
            .audience(CLIENT)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
            .claim("email", "alice@example.com")
            .claim("email_verified", true)
            .claim("groups", List.of("sre", "dba")));
  }

  private static SignedJWT sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt;
  }
}
