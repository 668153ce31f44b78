package dev.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code oidc:} and {@code roles.*.oidc_groups} as an admin writes them in bastion.yaml. */
class OidcSettingsTest {
  private static final String SECRET = "s3cret-Value-42";
  private static final String ISSUER = "https://idp.example.com/realms/eng";
  private static final UnaryOperator<String> NO_ENV = name -> null;
  private static final UnaryOperator<String> ENV_SECRET =
      name -> OidcSettings.SECRET_VARIABLE.equals(name) ? "  env-" + SECRET + "\n" : null;

  @TempDir Path dir;

  private BastionConfig parse(String yaml, UnaryOperator<String> env) {
    return ConfigLoader.parse("t.yaml", yaml, dir, env);
  }

  private ConfigException refused(String yaml, UnaryOperator<String> env) {
    return assertThrows(ConfigException.class, () -> parse(yaml, env));
  }

  /** A secret file as an admin makes it: readable by its owner only. */
  private static void secretFile(Path path, String text) throws IOException {
    Files.writeString(path, text);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
  }

  private static String oidc(String more) {
    return "oidc:\n  issuer: " + ISSUER + "\n  client_id: bastion\n" + more;
  }

  @Test
  void onlyIssuerAndClientIdGiveTheDocumentedDefaults() {
    BastionConfig.Oidc oidc = parse(oidc(""), NO_ENV).oidc().orElseThrow();
    assertEquals(URI.create(ISSUER), oidc.issuer());
    assertEquals("idp.example.com", oidc.name());
    assertEquals("bastion", oidc.clientId());
    assertEquals(Optional.empty(), oidc.clientSecret());
    assertEquals("email", oidc.identityClaim());
    assertEquals("groups", oidc.groupsClaim());
    assertEquals(Duration.ofHours(8), oidc.certificateTtl());
    assertEquals(Duration.ofHours(1), oidc.refresh());
    assertEquals(Optional.empty(), ConfigLoader.load(Optional.empty()).oidc());
  }

  @Test
  void everyKeyIsTakenAsWrittenAndRolesMapDirectoryGroups() {
    BastionConfig config =
        parse(
            oidc(
                    "  name: Corp SSO\n  identity_claim: preferred_username\n  groups_claim: roles\n"
                        + "  certificate_ttl: 12h\n  refresh: 30m\n")
                + "roles:\n  ops: {oidc_groups: [sre, 'ops team'], targets: ['web*'],"
                + " logins: [deploy]}\n  reviewer: {oidc_groups: [approvers], can: [approve]}\n",
            NO_ENV);
    BastionConfig.Oidc oidc = config.oidc().orElseThrow();
    assertEquals("Corp SSO", oidc.name());
    assertEquals("preferred_username", oidc.identityClaim());
    assertEquals("roles", oidc.groupsClaim());
    assertEquals(Duration.ofHours(12), oidc.certificateTtl());
    assertEquals(Duration.ofMinutes(30), oidc.refresh());
    assertEquals(List.of("sre", "ops team"), config.roles().get("ops").oidcGroups());
    assertEquals(List.of("approvers"), config.roles().get("reviewer").oidcGroups());
  }

  @Test
  void theSecretFileIsFoundBesideTheConfigFileAndWinsOverTheEnvironment() throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    secretFile(etc.resolve("oidc-secret"), SECRET + "\n");
    Files.writeString(etc.resolve("bastion.yaml"), oidc("  client_secret_file: oidc-secret\n"));
    // load() resolves against the file's own directory, not the working directory
    BastionConfig loaded = ConfigLoader.load(Optional.of(etc.resolve("bastion.yaml")));
    assertEquals(SECRET, loaded.oidc().orElseThrow().clientSecret().orElseThrow().reveal());
    BastionConfig both = parse(oidc("  client_secret_file: etc/oidc-secret\n"), ENV_SECRET);
    assertEquals(SECRET, both.oidc().orElseThrow().clientSecret().orElseThrow().reveal());
  }

  @Test
  void aSecretFileEveryoneCanReadIsRefused() throws IOException {
    Path secret = dir.resolve("oidc-secret");
    Files.writeString(secret, SECRET + "\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    ConfigException e = refused(oidc("  client_secret_file: oidc-secret\n"), NO_ENV);
    assertTrue(e.getMessage().contains("oidc.client_secret_file"), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
    assertEquals(
        SECRET,
        parse(oidc("  client_secret_file: oidc-secret\n"), NO_ENV)
            .oidc()
            .orElseThrow()
            .clientSecret()
            .orElseThrow()
            .reveal());
  }

  @Test
  void theIssuerIsKeptExactlyAsWrittenTrailingSlashIncluded() {
    String yaml = oidc("").replace(ISSUER, "https://tenant.auth.example.com/");
    assertEquals(
        URI.create("https://tenant.auth.example.com/"),
        parse(yaml, NO_ENV).oidc().orElseThrow().issuer());
  }

  @Test
  void withoutAFileTheSecretComesFromTheEnvironment() {
    BastionConfig config = parse(oidc(""), ENV_SECRET);
    assertEquals(
        "env-" + SECRET, config.oidc().orElseThrow().clientSecret().orElseThrow().reveal());
    UnaryOperator<String> blank = name -> "  ";
    assertEquals(Optional.empty(), parse(oidc(""), blank).oidc().orElseThrow().clientSecret());
  }

  @Test
  void anUnreadableOrMalformedSecretFileIsNamedAndItsContentIsNot() throws IOException {
    ConfigException missing = refused(oidc("  client_secret_file: nowhere/secret\n"), ENV_SECRET);
    assertTrue(
        missing.getMessage().startsWith("t.yaml: oidc.client_secret_file: 'nowhere/secret'"),
        missing.getMessage());
    assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    secretFile(dir.resolve("two-lines"), SECRET + "\n" + SECRET + "\n");
    ConfigException twoLines = refused(oidc("  client_secret_file: two-lines\n"), NO_ENV);
    assertEquals(
        "t.yaml: oidc.client_secret_file: 'two-lines' must hold the secret on one line",
        twoLines.getMessage());
    secretFile(dir.resolve("empty"), "\n");
    ConfigException empty = refused(oidc("  client_secret_file: empty\n"), NO_ENV);
    assertTrue(empty.getMessage().contains("must hold the secret"), empty.getMessage());
  }

  @Test
  void aSecretWrittenInTheYamlIsRefusedPointingToTheFileOrVariable() {
    ConfigException e = refused(oidc("  client_secret: " + SECRET + "\n"), NO_ENV);
    assertEquals(
        "t.yaml: oidc.client_secret: '(hidden)' is not read from bastion.yaml: put the secret in a"
            + " file named by oidc.client_secret_file (mode 0600) or in"
            + " $BASTION_OIDC_CLIENT_SECRET",
        e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "  client_secret: SECRET\n",
        "  client_secret: [SECRET]\n",
        "  client_secret: {v: SECRET}\n",
        "  client_secret: \"SECRET\n",
        "  client_secret: 'SECRET\n  name: x\n",
        "  client_secret: SECRET: x\n",
        "  client_secret:\tSECRET\n",
        "  client_secret: SECRET\n  client_secret: SECRET\n",
        "  client_secret: SECRET\n   bad_indent: 1\n",
      })
  void noMistakeNearASecretPutsItIntoTheMessage(String line) {
    ConfigException e = refused(oidc(line.replace("SECRET", SECRET)), NO_ENV);
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
  }

  @Test
  void theSecretNeverShowsInTheConfigurationsText() throws IOException {
    secretFile(dir.resolve("secret"), SECRET);
    BastionConfig fromFile = parse(oidc("  client_secret_file: secret\n"), NO_ENV);
    BastionConfig fromEnv = parse(oidc(""), ENV_SECRET);
    for (BastionConfig config : List.of(fromFile, fromEnv)) {
      assertFalse(config.toString().contains(SECRET), config.toString());
      assertTrue(config.oidc().orElseThrow().toString().contains("(secret)"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "http://127.0.0.1:8180/realms/eng",
        "http://localhost:8180/realms/eng",
        "http://[::1]:8180/realms/eng",
        "https://idp.example.com",
        "https://login.microsoftonline.com/0b5e8a4c-0000-4000-8000-000000000000/v2.0"
      })
  void httpsIssuersAndPlainHttpOnLoopbackAreAccepted(String issuer) {
    BastionConfig config = parse("oidc: {issuer: '" + issuer + "', client_id: bastion}\n", NO_ENV);
    assertEquals(URI.create(issuer), config.oidc().orElseThrow().issuer());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "http off loopback | oidc: {issuer: 'http://idp.example.com/realms/eng', client_id: b} | t.yaml: oidc.issuer: 'http://idp.example.com/realms/eng' must be https (plain http only on a loopback address, for trying it out)",
        "http on a name that looks loopback | oidc: {issuer: 'http://127.attacker.example/x', client_id: b} | t.yaml: oidc.issuer: 'http://127.attacker.example/x' must be https",
        "http on localhost lookalike | oidc: {issuer: 'http://localhost.attacker.example', client_id: b} | t.yaml: oidc.issuer: 'http://localhost.attacker.example' must be https",
        "other scheme | oidc: {issuer: 'ftp://idp.example.com', client_id: b} | t.yaml: oidc.issuer: 'ftp://idp.example.com' must be https",
        "issuer with a query | oidc: {issuer: 'https://idp.example.com/?realm=eng', client_id: b} | t.yaml: oidc.issuer: 'https://idp.example.com/?realm=eng' is not an issuer URL",
        "issuer without host | oidc: {issuer: 'idp.example.com', client_id: b} | t.yaml: oidc.issuer: 'idp.example.com' is not an issuer URL",
        "missing issuer | oidc: {client_id: bastion} | t.yaml: oidc.issuer: '(missing)' is the provider's issuer URL",
        "missing client | oidc: {issuer: 'https://idp.example.com'} | t.yaml: oidc.client_id: '(missing)' names this bastion's client at the provider",
        "blank client | oidc: {issuer: 'https://idp.example.com', client_id: ' '} | t.yaml: oidc.client_id: '(missing)'",
        "ttl over the lifetime | ssh: {max_certificate_lifetime: 1d}\\noidc: {issuer: 'https://idp.example.com', client_id: b, certificate_ttl: 2d} | t.yaml: oidc.certificate_ttl: '2d' is longer than ssh.max_certificate_lifetime (24 hours)",
        "ttl too short | oidc: {issuer: 'https://idp.example.com', client_id: b, certificate_ttl: 30s} | t.yaml: oidc.certificate_ttl: '30s' must be at least 1m",
        "ttl zero | oidc: {issuer: 'https://idp.example.com', client_id: b, certificate_ttl: 0} | t.yaml: oidc.certificate_ttl: duration '0' is zero",
        "refresh too often | oidc: {issuer: 'https://idp.example.com', client_id: b, refresh: 5s} | t.yaml: oidc.refresh: '5s' must be at least 1m",
        "bad claim | oidc: {issuer: 'https://idp.example.com', client_id: b, groups_claim: 'a b'} | t.yaml: oidc.groups_claim: 'a b' is not a claim name",
        "long name | oidc: {issuer: 'https://idp.example.com', client_id: b, name: 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJX'} | t.yaml: oidc.name: 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJX' must be 1 to 40 printable characters",
        "groups without oidc | roles: {ops: {oidc_groups: [sre], targets: ['*'], logins: [deploy]}} | t.yaml: roles.ops.oidc_groups: 'sre' needs single sign-on: configure oidc (issuer, client_id) or remove it",
        "blank group | oidc: {issuer: 'https://idp.example.com', client_id: b}\\nroles: {ops: {oidc_groups: [''], targets: ['*'], logins: [deploy]}} | t.yaml: roles.ops.oidc_groups: '(blank)' entries may not be blank",
        "typo in an oidc key | oidc: {issuer: 'https://idp.example.com', client_id: b, group_claim: g} | t.yaml: unknown key 'oidc.group_claim'; known keys there: certificate_ttl, client_id, client_secret_file, groups_claim, identity_claim, issuer, name, refresh",
      })
  void mistakesInOidcStopTheStartNamingTheKey(String name, String yaml, String expected) {
    ConfigException e = refused(yaml.replace("\\n", "\n"), NO_ENV);
    assertTrue(e.getMessage().startsWith(expected), name + ": " + e.getMessage());
  }
}
