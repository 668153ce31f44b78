package dev.bastion.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Checks {@code oidc:}: the issuer (https, or http on a loopback address for trying it out), the
 * client and its secret (from {@code client_secret_file} or {@code $BASTION_OIDC_CLIENT_SECRET},
 * never from the YAML), the claims and the lifetimes. A public client (no secret) is allowed: the
 * device and browser flows then rest on PKCE alone.
 */
final class OidcSettings extends ConfigValues {
  static final String SECRET_VARIABLE = "BASTION_OIDC_CLIENT_SECRET";
  private static final java.util.regex.Pattern CLAIM =
      java.util.regex.Pattern.compile("[A-Za-z0-9_:./-]+");

  private final Path baseDir;
  private final UnaryOperator<String> env;

  OidcSettings(String source, Path baseDir, UnaryOperator<String> env) {
    super(source);
    this.baseDir = baseDir;
    this.env = env;
  }

  BastionConfig.Oidc check(RawConfig.Oidc raw, Duration maxCertificateLifetime) {
    if (raw.clientSecret() != null) {
      throw fail(
          "oidc.client_secret",
          "(hidden)",
          "is not read from bastion.yaml: put the secret in a file named by"
              + " oidc.client_secret_file (mode 0600) or in $"
              + SECRET_VARIABLE);
    }
    URI issuer = issuer(raw.issuer());
    String clientId = raw.clientId();
    if (clientId == null || clientId.isBlank()) {
      throw fail("oidc.client_id", "(missing)", "names this bastion's client at the provider");
    }
    String name = raw.name() == null ? issuer.getHost() : raw.name().strip();
    if (name.isEmpty() || name.length() > 40 || !name.chars().allMatch(c -> c >= 0x20)) {
      throw fail("oidc.name", raw.name(), "must be 1 to 40 printable characters");
    }
    Duration ttl =
        duration("oidc.certificate_ttl", raw.certificateTtl(), Duration.ofHours(8), false);
    if (ttl.compareTo(maxCertificateLifetime) > 0) {
      throw fail(
          "oidc.certificate_ttl",
          raw.certificateTtl(),
          "is longer than ssh.max_certificate_lifetime ("
              + dev.bastion.keys.TimeSpans.describe(maxCertificateLifetime)
              + ")");
    }
    if (ttl.compareTo(Duration.ofMinutes(1)) < 0) {
      throw fail("oidc.certificate_ttl", raw.certificateTtl(), "must be at least 1m");
    }
    Duration refresh = duration("oidc.refresh", raw.refresh(), Duration.ofHours(1), false);
    if (refresh.compareTo(Duration.ofMinutes(1)) < 0) {
      throw fail("oidc.refresh", raw.refresh(), "must be at least 1m");
    }
    return new BastionConfig.Oidc(
        issuer,
        name,
        clientId.strip(),
        secret(raw.clientSecretFile()),
        claim("oidc.identity_claim", raw.identityClaim(), "email"),
        claim("oidc.groups_claim", raw.groupsClaim(), "groups"),
        ttl,
        refresh);
  }

  private URI issuer(String value) {
    if (value == null) {
      throw fail(
          "oidc.issuer",
          "(missing)",
          "is the provider's issuer URL, such as https://idp.example.com/realms/eng");
    }
    URI uri;
    try {
      uri = new URI(value); // exactly as the provider names itself: tokens must match it
    } catch (Exception e) {
      throw fail("oidc.issuer", value, "is not a URL");
    }
    if (uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
      throw fail("oidc.issuer", value, "is not an issuer URL (https://host/path, no query)");
    }
    boolean loopback = isLoopbackName(uri.getHost());
    if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
      throw fail(
          "oidc.issuer",
          value,
          "must be https (plain http only on a loopback address, for trying it out)");
    }
    return uri;
  }

  /** localhost, 127.x.x.x or [::1] as written: a name like 127.example.com is no loopback. */
  private static boolean isLoopbackName(String host) {
    return host.equalsIgnoreCase("localhost")
        || host.matches("127(\\.[0-9]{1,3}){3}")
        || host.equals("[::1]");
  }

  private String claim(String at, String value, String fallback) {
    if (value == null) {
      return fallback;
    }
    if (!CLAIM.matcher(value).matches()) {
      throw fail(at, value, "is not a claim name");
    }
    return value;
  }

  private Optional<BastionConfig.Secret> secret(String file) {
    if (file != null) {
      return Optional.of(secretFile("oidc.client_secret_file", baseDir, file, "secret"));
    }
    String fromEnv = env.apply(SECRET_VARIABLE);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(new BastionConfig.Secret(fromEnv.strip()));
    }
    return Optional.empty();
  }
}
