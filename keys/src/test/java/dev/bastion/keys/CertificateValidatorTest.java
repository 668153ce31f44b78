package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificates made by the real {@code ssh-keygen -s}, one built for each refusal reason, and the
 * valid ones that must pass. The validator's clock is pinned to the moment the certificates were
 * made, so the messages are exact.
 */
class CertificateValidatorTest {
  @TempDir static Path dir;

  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final AtomicInteger COUNTER = new AtomicInteger();

  static Path userCa;
  static Path extraCa;
  static Path rsaCa;
  static Path rogueCa;
  static Path userKey;
  static Path weakKey;
  static CertificateAuthority bastionUserCa;
  static CertificateValidator validator;

  @BeforeAll
  static void setUp() {
    OpenSsh.requireInstalled();
    Path dataDir = dir.resolve("data");
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    bastionUserCa = store.load(CaKind.USER);
    userCa = store.privateKeyFile(CaKind.USER);
    extraCa = OpenSsh.keygen(dir, "extra_ca");
    rsaCa = OpenSsh.keygen(dir, "rsa_ca", "rsa", 3072);
    rogueCa = OpenSsh.keygen(dir, "rogue_ca");
    userKey = OpenSsh.keygen(dir, "id_ed25519");
    weakKey = OpenSsh.keygen(dir, "id_rsa1024", "rsa", 1024);

    RevocationList revocations = new RevocationList(dataDir);
    revocations.add(Revocation.serial(4242, NOW.minus(Duration.ofHours(1))));
    revocations.add(Revocation.identity("mallory@example.com", NOW.minus(Duration.ofHours(1))));
    validator =
        new CertificateValidator(
            List.of(
                bastionUserCa.publicKey(),
                OpenSshKeys.readPublicKey(OpenSsh.pub(extraCa)),
                OpenSshKeys.readPublicKey(OpenSsh.pub(rsaCa))),
            CertificateValidator.DEFAULT_CLOCK_SKEW,
            revocations,
            Clock.fixed(NOW, ZoneOffset.UTC));
  }

  /** One row: how the certificate is made, where the login comes from, what must happen. */
  record Case(
      String name,
      Supplier<PublicKey> certificate,
      String source,
      Refusal expected,
      String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> refusals() {
    return Stream.of(
        new Case(
            "plain key",
            () -> OpenSshKeys.readPublicKey(OpenSsh.pub(userKey)),
            "127.0.0.1",
            Refusal.NOT_A_CERTIFICATE,
            "a plain ssh-ed25519 key (SHA256:"),
        new Case(
            "untrusted CA",
            () -> sign(rogueCa, userKey, "-I", "alice", "-n", "ops", "-V", window(-5, 60)),
            "127.0.0.1",
            Refusal.UNTRUSTED_CA,
            "certificate signed by CA " + fingerprint(rogueCa) + " which is not trusted"),
        new Case(
            "ssh-rsa SHA-1 signature",
            () ->
                sign(
                    rsaCa,
                    userKey,
                    "-t",
                    "ssh-rsa",
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.WEAK_SIGNATURE_ALGORITHM,
            "signed with ssh-rsa (SHA-1), which is refused"),
        new Case(
            "altered after signing",
            () -> tamper(sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", window(-5, 60))),
            "127.0.0.1",
            Refusal.BAD_SIGNATURE,
            "does not verify against CA " + fingerprint(userCa)),
        new Case(
            "host certificate",
            () -> sign(userCa, userKey, "-h", "-I", "web01", "-n", "web01", "-V", window(-5, 60)),
            "127.0.0.1",
            Refusal.NOT_A_USER_CERTIFICATE,
            "a host certificate was offered for a user login"),
        new Case(
            "RSA 1024 key",
            () -> sign(userCa, weakKey, "-I", "alice", "-n", "ops", "-V", window(-5, 60)),
            "127.0.0.1",
            Refusal.WEAK_KEY,
            "RSA key of 1024 bits is refused"),
        new Case(
            "valid forever",
            () -> sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", "always:forever"),
            "127.0.0.1",
            Refusal.LIFETIME_TOO_LONG,
            "certificate is valid forever, longer than the 7 days this bastion accepts"),
        new Case(
            "valid for ten years",
            () ->
                sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", window(-1, 3650 * 24 * 60)),
            "127.0.0.1",
            Refusal.LIFETIME_TOO_LONG,
            "certificate is valid for 3650 days (until "),
        new Case(
            "expired five minutes ago",
            () -> sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", window(-120, -5)),
            "127.0.0.1",
            Refusal.EXPIRED,
            "certificate expired at " + NOW.minus(Duration.ofMinutes(5)) + " (5 minutes ago)"),
        new Case(
            "not valid for three hours",
            () -> sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", window(180, 300)),
            "127.0.0.1",
            Refusal.NOT_YET_VALID,
            "certificate is not valid until " + NOW.plus(Duration.ofHours(3)) + " (in 3 hours)"),
        new Case(
            "empty key id",
            () -> sign(userCa, userKey, "-I", "", "-n", "ops", "-V", window(-5, 60)),
            "127.0.0.1",
            Refusal.NO_KEY_ID,
            "certificate has an empty key id"),
        new Case(
            "no principals",
            () -> sign(userCa, userKey, "-I", "alice", "-V", window(-5, 60)),
            "127.0.0.1",
            Refusal.NO_PRINCIPALS,
            "certificate has no principals"),
        new Case(
            "force-command",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-O",
                    "force-command=/bin/true",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.UNSUPPORTED_CRITICAL_OPTION,
            "critical option force-command, which the bastion cannot enforce"),
        new Case(
            "verify-required",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-O",
                    "verify-required",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.UNSUPPORTED_CRITICAL_OPTION,
            "critical option verify-required"),
        new Case(
            "unknown critical option",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-O",
                    "critical:launch-codes@example.com=1",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.UNKNOWN_CRITICAL_OPTION,
            "unknown critical option launch-codes@example.com"),
        new Case(
            "source-address elsewhere",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-O",
                    "source-address=10.0.0.0/8,192.168.1.7",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.SOURCE_ADDRESS_NOT_ALLOWED,
            "connection from 127.0.0.1 is not allowed by the certificate's source-address 10.0.0.0/8,192.168.1.7"),
        new Case(
            "revoked serial",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "alice",
                    "-n",
                    "ops",
                    "-z",
                    "4242",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.REVOKED_SERIAL,
            "certificate serial 4242 was revoked at " + NOW.minus(Duration.ofHours(1))),
        new Case(
            "revoked identity",
            () ->
                sign(
                    userCa,
                    userKey,
                    "-I",
                    "mallory@example.com",
                    "-n",
                    "ops",
                    "-V",
                    window(-5, 60)),
            "127.0.0.1",
            Refusal.REVOKED_IDENTITY,
            "certificate identity \"mallory@example.com\" was revoked at"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void eachFaultIsRefusedWithItsOwnReasonAndTheFacts(Case c) throws Exception {
    CertificateCheck check =
        validator.validate(c.certificate().get(), InetAddress.getByName(c.source()));
    CertificateCheck.Refused refused =
        assertInstanceOf(CertificateCheck.Refused.class, check, c.name());
    assertEquals(c.expected(), refused.reason(), refused.message());
    assertTrue(refused.message().contains(c.message()), "message was: " + refused.message());
  }

  @Test
  void everyRefusalReasonHasACaseInTheTable() {
    var covered = refusals().map(Case::expected).collect(java.util.stream.Collectors.toSet());
    covered.add(Refusal.REVOCATION_LIST_UNREADABLE); // own test below
    assertEquals(java.util.EnumSet.allOf(Refusal.class), java.util.EnumSet.copyOf(covered));
  }

  @Test
  void certificateFromSshKeygenWithOurUserCaIsAccepted() throws Exception {
    PublicKey cert =
        sign(
            userCa,
            userKey,
            "-I",
            "alice@example.com",
            "-n",
            "ops,dba",
            "-z",
            "77",
            "-V",
            window(-5, 60));
    CertifiedUser user = accepted(validator.validate(cert, LOOPBACK));
    assertEquals("alice@example.com", user.identity());
    assertEquals(List.of("ops", "dba"), user.principals());
    assertEquals("77", user.serialText());
    assertEquals(fingerprint(userCa), user.caFingerprint());
    assertEquals(NOW.plus(Duration.ofHours(1)), user.validBefore());
    assertTrue(user.permits("pty"));
  }

  @Test
  void certificateFromAnExtraTrustedCaIsAccepted() {
    PublicKey cert = sign(extraCa, userKey, "-I", "bob", "-n", "ops", "-V", window(-5, 60));
    assertEquals("bob", accepted(validator.validate(cert, LOOPBACK)).identity());
  }

  @Test
  void rsaCaSigningWithSha512IsAccepted() {
    PublicKey cert =
        sign(
            rsaCa, userKey, "-t", "rsa-sha2-512", "-I", "carol", "-n", "ops", "-V", window(-5, 60));
    assertEquals("carol", accepted(validator.validate(cert, LOOPBACK)).identity());
  }

  @Test
  void sourceAddressInsideTheAllowedRangeIsAccepted() throws Exception {
    PublicKey cert =
        sign(
            userCa,
            userKey,
            "-I",
            "dave",
            "-n",
            "ops",
            "-O",
            "source-address=10.0.0.0/8,::1",
            "-V",
            window(-5, 60));
    accepted(validator.validate(cert, InetAddress.getByName("10.1.2.3")));
    accepted(validator.validate(cert, InetAddress.getByName("::1")));
  }

  @Test
  void clockSkewWithinTheToleranceIsAccepted() {
    PublicKey justExpired =
        signAt(userCa, userKey, NOW.minus(Duration.ofHours(1)), NOW.minusSeconds(30));
    accepted(validator.validate(justExpired, LOOPBACK));
    PublicKey almostValid =
        signAt(userCa, userKey, NOW.plusSeconds(30), NOW.plus(Duration.ofHours(1)));
    accepted(validator.validate(almostValid, LOOPBACK));
  }

  @Test
  void certificateIssuedByOurCaIsAccepted() {
    var request =
        CertificateRequest.user(
            OpenSshKeys.readPublicKey(OpenSsh.pub(userKey)),
            "erin",
            List.of("ops"),
            Duration.ofHours(8),
            Clock.fixed(NOW, ZoneOffset.UTC));
    CertifiedUser user = accepted(validator.validate(bastionUserCa.sign(request), LOOPBACK));
    assertEquals("erin", user.identity());
    assertTrue(user.permits("pty"));
    assertTrue(!user.permits("agent-forwarding") && !user.permits("port-forwarding"));
  }

  @Test
  void recheckFindsARevocationOrTheExpirySinceLogin() throws Exception {
    PublicKey cert =
        sign(userCa, userKey, "-I", "ivan", "-n", "ops", "-z", "777", "-V", window(-5, 60));
    CertifiedUser user = accepted(validator.validate(cert, LOOPBACK));
    assertTrue(validator.recheck(user).isEmpty());
    assertEquals(NOW.plus(Duration.ofMinutes(61)), validator.endOfValidity(user));

    CertificateValidator later =
        new CertificateValidator(
            List.of(bastionUserCa.publicKey()),
            CertificateValidator.DEFAULT_CLOCK_SKEW,
            new RevocationList(dir.resolve("data")),
            Clock.fixed(NOW.plus(Duration.ofMinutes(61)), ZoneOffset.UTC));
    assertEquals(Refusal.EXPIRED, later.recheck(user).orElseThrow().reason());

    new RevocationList(dir.resolve("data")).add(Revocation.serial(777, NOW));
    assertEquals(Refusal.REVOKED_SERIAL, validator.recheck(user).orElseThrow().reason());
  }

  @Test
  void unreadableRevocationListRefusesEveryoneRatherThanNobody() throws Exception {
    Path otherData = dir.resolve("damaged");
    Files.createDirectories(otherData);
    Files.writeString(otherData.resolve("revoked"), "serial\tnot-a-time\t1\n");
    CertificateValidator strict =
        new CertificateValidator(
            List.of(bastionUserCa.publicKey()),
            Duration.ofSeconds(60),
            new RevocationList(otherData),
            Clock.fixed(NOW, ZoneOffset.UTC));
    PublicKey cert = sign(userCa, userKey, "-I", "alice", "-n", "ops", "-V", window(-5, 60));
    CertificateCheck.Refused refused =
        assertInstanceOf(CertificateCheck.Refused.class, strict.validate(cert, LOOPBACK));
    assertEquals(Refusal.REVOCATION_LIST_UNREADABLE, refused.reason());
    assertTrue(refused.message().contains("line 1"), refused.message());
  }

  private static CertifiedUser accepted(CertificateCheck check) {
    if (check instanceof CertificateCheck.Refused r) {
      throw new AssertionError("refused: " + r.reason() + ": " + r.message());
    }
    return ((CertificateCheck.Accepted) check).user();
  }

  /** {@code -V} argument for a window relative to NOW, in minutes, as absolute UTC times. */
  static String window(int fromMinutes, int toMinutes) {
    return stamp(NOW.plus(Duration.ofMinutes(fromMinutes)))
        + ":"
        + stamp(NOW.plus(Duration.ofMinutes(toMinutes)));
  }

  static String stamp(Instant instant) {
    return DateTimeFormatter.ofPattern("yyyyMMddHHmmss").format(instant.atOffset(ZoneOffset.UTC))
        + "Z";
  }

  static PublicKey signAt(Path ca, Path key, Instant from, Instant to) {
    return sign(ca, key, "-I", "skewed", "-n", "ops", "-V", stamp(from) + ":" + stamp(to));
  }

  /** Runs {@code ssh-keygen -s CA ... key.pub} on a fresh copy of the key and parses the result. */
  static PublicKey sign(Path ca, Path key, String... options) {
    try {
      Path copy = dir.resolve("case" + COUNTER.incrementAndGet() + ".pub");
      Files.copy(OpenSsh.pub(key), copy);
      List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", ca.toString()));
      cmd.addAll(List.of(options));
      cmd.add(copy.toString());
      ExternalCommand.of(cmd).run().orThrow();
      Path cert = copy.resolveSibling(copy.getFileName().toString().replace(".pub", "-cert.pub"));
      return OpenSshKeys.readPublicKey(cert);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Changes one letter of the key id inside the signed part, keeping the CA's signature. */
  static PublicKey tamper(PublicKey cert) {
    String[] line = OpenSshKeys.toLine(cert, null).split(" ");
    byte[] blob = Base64.getDecoder().decode(line[1]);
    byte[] id = "alice".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(blob, id);
    blob[at] = 'A';
    return OpenSshKeys.parsePublicKey(line[0] + " " + Base64.getEncoder().encodeToString(blob));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("key id not found in certificate");
  }

  static String fingerprint(Path privateKey) {
    return OpenSshKeys.fingerprint(OpenSshKeys.readPublicKey(OpenSsh.pub(privateKey)));
  }
}
