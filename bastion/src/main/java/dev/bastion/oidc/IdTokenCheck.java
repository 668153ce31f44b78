package dev.bastion.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.bastion.oidc.SignInException.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies an identity token the way the bastion trusts it: signature against the provider's keys
 * (JWKS) with the algorithms its discovery document names, issuer, audience (our client id),
 * expiry, issue time and, for the browser flow, the nonce; then reads the identity and the groups.
 * If the identity claim is {@code email} and {@code email_verified} is false, the token is refused.
 */
final class IdTokenCheck {
  private static final Logger LOG = LoggerFactory.getLogger(IdTokenCheck.class);

  private final String name;
  private final IDTokenValidator validator;
  private final String identityClaim;
  private final String groupsClaim;

  IdTokenCheck(
      String name,
      Issuer issuer,
      ClientID clientId,
      Set<JWSAlgorithm> algorithms,
      JWKSource<SecurityContext> keys,
      String identityClaim,
      String groupsClaim) {
    this.name = name;
    this.validator =
        new IDTokenValidator(
            issuer, clientId, new JWSVerificationKeySelector<>(algorithms, keys), null);
    this.identityClaim = identityClaim;
    this.groupsClaim = groupsClaim;
  }

  /** The verified person; {@code nonce} is null for the device flow (which has none). */
  SignedIn verify(JWT idToken, Nonce nonce) throws SignInException {
    IDTokenClaimsSet claims;
    try {
      claims = validator.validate(idToken, nonce);
    } catch (BadJOSEException e) {
      throw new SignInException(
          Reason.INVALID_TOKEN,
          "the identity token from " + name + " failed verification: " + failedCheck(e),
          e);
    } catch (KeySourceException e) {
      throw new SignInException(
          Reason.PROVIDER_UNAVAILABLE,
          "cannot fetch the signing keys of " + name + ": " + reason(e),
          e);
    } catch (JOSEException e) {
      throw new SignInException(
          Reason.INVALID_TOKEN,
          "the identity token from " + name + " cannot be verified: " + reason(e),
          e);
    }
    Map<String, Object> all = claims.toJSONObject();
    String identity = identity(all);
    Instant expires = claims.getExpirationTime().toInstant();
    return new SignedIn(
        claims.getIssuer().getValue(),
        claims.getSubject().getValue(),
        identity,
        groups(all),
        expires);
  }

  private String identity(Map<String, Object> claims) throws SignInException {
    Object value = claim(claims, identityClaim);
    if (!(value instanceof String text) || text.isBlank()) {
      throw new SignInException(
          Reason.MISSING_CLAIM,
          "the identity token from " + name + " has no " + identityClaim + " claim as text");
    }
    if ("email".equals(identityClaim) && isFalse(claims.get("email_verified"))) {
      throw new SignInException(
          Reason.MISSING_CLAIM, name + " has not verified the email address " + text.strip());
    }
    return text.strip();
  }

  private List<String> groups(Map<String, Object> claims) {
    Object value = claim(claims, groupsClaim);
    if (value == null) {
      return List.of();
    }
    if (value instanceof String single) {
      return single.isBlank() ? List.of() : List.of(single);
    }
    if (value instanceof List<?> list) {
      List<String> groups = new ArrayList<>();
      for (Object item : list) {
        if (item instanceof String group && !group.isBlank()) {
          groups.add(group);
        }
      }
      return groups;
    }
    LOG.warn("{}: the {} claim is neither text nor a list; taken as no groups", name, groupsClaim);
    return List.of();
  }

  /**
   * The claim named {@code path}: the claim of that exact name if there is one (names such as
   * {@code https://example.com/groups} hold dots), else the dotted path ({@code
   * realm_access.roles}) through nested objects.
   */
  static Object claim(Map<String, Object> claims, String path) {
    if (claims.containsKey(path)) {
      return claims.get(path);
    }
    Object current = claims;
    for (String part : path.split("\\.")) {
      if (!(current instanceof Map<?, ?> object)) {
        return null;
      }
      current = object.get(part);
    }
    return current;
  }

  /**
   * Which check failed, in our own words: Nimbus's messages may quote claim values (a nonce), which
   * stay out of messages and logs.
   */
  static String failedCheck(BadJOSEException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (m.contains("signature") || m.contains("no matching key") || m.contains("algorithm")) {
      return "bad signature or unknown signing key";
    }
    for (String check :
        List.of("issuer", "audience", "nonce", "expired", "expiration", "issue time")) {
      if (m.contains(check)) {
        return check.equals("expired") ? "expired" : "wrong or missing " + check;
      }
    }
    return "rejected (" + e.getClass().getSimpleName() + ")";
  }

  private static boolean isFalse(Object value) {
    return Boolean.FALSE.equals(value) || "false".equals(value);
  }

  private static String reason(Exception e) {
    return ProviderLink.oneLine(e.getMessage(), e.getClass().getSimpleName());
  }
}
