package dev.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateCheck;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.Refusal;
import dev.bastion.keys.RevocationList;
import dev.bastion.testsupport.OpenSsh;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaAndCertCommandsTest {
  @TempDir Path dataDir;
  @TempDir Path home;

  @BeforeEach
  void requireOpenSsh() {
    OpenSsh.requireInstalled();
  }

  @Test
  void caInitReportsWhatItCreatedAndThenThatTheCasExist() {
    CliRun first = CliRun.of(dataDir, "ca", "init").ok();
    // The three CAs and the recording key: ca/ is complete before an operator copies it.
    assertEquals(
        4, first.stdout().lines().filter(l -> l.contains(" created ")).count(), first.stdout());
    assertTrue(first.stdout().contains("recording    created"), first.stdout());
    CliRun second = CliRun.of(dataDir, "ca", "init").ok();
    assertEquals(
        4, second.stdout().lines().filter(l -> l.contains(" exists ")).count(), second.stdout());
  }

  @Test
  void caShowPrintsThePublicKeyAsOneOpenSshLine() {
    CliRun.of(dataDir, "ca", "init").ok();
    for (String kind : List.of("user", "host", "upstream")) {
      String line = CliRun.of(dataDir, "ca", "show", kind).ok().stdout();
      assertEquals(1, line.lines().count());
      assertTrue(line.startsWith("ssh-ed25519 AAAA"), line);
      assertEquals(OpenSsh.read(dataDir.resolve("ca/" + kind + "_ca.pub")), line.strip());
    }
  }

  @Test
  void caShowWithAnUnknownNameIsBadUsage() {
    CliRun run = CliRun.of(dataDir, "ca", "show", "root");
    assertEquals(2, run.exitCode());
    assertTrue(
        run.stderr().contains("'root' is not a CA; use user, host or upstream"), run.stderr());
  }

  @Test
  void certIssueWritesTheCertificateNextToTheKeyWithTheDefaults() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ed25519");
    CliRun run =
        CliRun.of(
                dataDir,
                "cert",
                "issue",
                "--key",
                OpenSsh.pub(key).toString(),
                "--identity",
                "alice@example.com",
                "--principals",
                "ops,dba")
            .ok();
    Path cert = OpenSsh.cert(key);
    assertTrue(Files.exists(cert), run.stderr());
    assertTrue(
        run.stderr().contains("issued user certificate for alice@example.com"), run.stderr());

    String listing = OpenSsh.describe(cert);
    assertTrue(listing.contains("Key ID: \"alice@example.com\""), listing);
    assertTrue(listing.contains("                ops\n                dba\n"), listing);
    assertTrue(listing.contains("Extensions: \n                permit-pty\n"), listing);

    OpenSshCertificate parsed = OpenSshKeys.readCertificate(cert);
    assertEquals(
        Duration.ofHours(8).plusMinutes(1).getSeconds(),
        parsed.getValidBefore() - parsed.getValidAfter());
    CertificateCheck check = validator().validate(parsed, InetAddress.getLoopbackAddress());
    assertTrue(check.accepted(), check.toString());
  }

  @Test
  void certIssueHonoursTtlSerialSourceAddressPermitsAndOut() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ecdsa", "ecdsa", 384);
    Path out = home.resolve("custom-cert.pub");
    CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            OpenSsh.pub(key).toString(),
            "--identity",
            "bob",
            "--principals",
            "ops",
            "--ttl",
            "30m",
            "--serial",
            "18446744073709551615",
            "--source-address",
            "10.0.0.0/8,192.168.1.7",
            "--permit",
            "agent-forwarding",
            "--no-pty",
            "--out",
            out.toString())
        .ok();
    OpenSshCertificate cert = OpenSshKeys.readCertificate(out);
    assertEquals("18446744073709551615", Long.toUnsignedString(cert.getSerial()));
    assertEquals(Duration.ofMinutes(31).getSeconds(), cert.getValidBefore() - cert.getValidAfter());
    assertEquals("10.0.0.0/8,192.168.1.7", cert.getCriticalOptionsMap().get("source-address"));
    assertEquals(List.of("permit-agent-forwarding"), List.copyOf(cert.getExtensionsMap().keySet()));
    assertFalse(Files.exists(OpenSsh.cert(key)));
  }

  @Test
  void certIssueToStandardOutputPrintsOnlyTheCertificateLine() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ed25519");
    CliRun run =
        CliRun.of(
                dataDir,
                "cert",
                "issue",
                "--key",
                OpenSsh.pub(key).toString(),
                "--identity",
                "carol",
                "--principals",
                "ops",
                "--out",
                "-")
            .ok();
    assertEquals(1, run.stdout().lines().count());
    assertTrue(OpenSshKeys.parsePublicKey(run.stdout()) instanceof OpenSshCertificate);
  }

  @Test
  void certIssueRefusesBadInputWithASpecificMessage() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ed25519");
    String pub = OpenSsh.pub(key).toString();

    CliRun badTtl =
        CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            pub,
            "--identity",
            "a",
            "--principals",
            "ops",
            "--ttl",
            "8 hours");
    assertEquals(2, badTtl.exitCode());
    assertTrue(badTtl.stderr().contains("'8 hours' is not a duration"), badTtl.stderr());

    CliRun badCidr =
        CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            pub,
            "--identity",
            "a",
            "--principals",
            "ops",
            "--source-address",
            "10.0.0.0/99");
    assertEquals(1, badCidr.exitCode());
    assertTrue(
        badCidr
            .stderr()
            .contains("bastion: --source-address 10.0.0.0/99 is not an address or CIDR block"),
        badCidr.stderr());

    Path rsa = OpenSsh.keygen(home, "id_rsa", "rsa", 2048);
    CliRun weak =
        CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            OpenSsh.pub(rsa).toString(),
            "--identity",
            "a",
            "--principals",
            "ops");
    assertEquals(1, weak.exitCode());
    assertTrue(
        weak.stderr().contains("RSA key has 2048 bits; at least 3072 are required"), weak.stderr());

    CliRun privateKeyGiven =
        CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            key.toString(),
            "--identity",
            "a",
            "--principals",
            "ops");
    assertEquals(1, privateKeyGiven.exitCode());
    assertTrue(
        privateKeyGiven.stderr().contains("is not an OpenSSH public key"),
        privateKeyGiven.stderr());
  }

  @Test
  void certIssueWithoutCasSaysToRunCaInit() {
    Path key = OpenSsh.keygen(home, "id_ed25519");
    CliRun run =
        CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            OpenSsh.pub(key).toString(),
            "--identity",
            "a",
            "--principals",
            "ops");
    assertEquals(1, run.exitCode());
    assertTrue(
        run.stderr().startsWith("bastion: the bastion user CA does not exist"), run.stderr());
    assertTrue(run.stderr().contains("run 'bastion ca init'"), run.stderr());
  }

  @Test
  void certHostSignsAHostCertificateThatSshKeygenShowsAsSuch() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "ssh_host_ed25519_key");
    CliRun.of(
            dataDir,
            "cert",
            "host",
            "--key",
            OpenSsh.pub(key).toString(),
            "--hostnames",
            "bastion.example,10.0.0.1")
        .ok();
    String listing = OpenSsh.describe(OpenSsh.cert(key));
    assertTrue(listing.contains("host certificate"), listing);
    assertTrue(
        listing.contains("                bastion.example\n                10.0.0.1\n"), listing);
    OpenSshCertificate cert = OpenSshKeys.readCertificate(OpenSsh.cert(key));
    assertEquals(
        Duration.ofDays(364).plusMinutes(1).getSeconds(),
        cert.getValidBefore() - cert.getValidAfter());
  }

  @Test
  void certInspectShowsTheFieldsAndWhichOfOurCasSignedIt() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ed25519");
    CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            OpenSsh.pub(key).toString(),
            "--identity",
            "dave",
            "--principals",
            "ops",
            "--serial",
            "99")
        .ok();
    String out = CliRun.of(dataDir, "cert", "inspect", OpenSsh.cert(key).toString()).ok().stdout();
    assertTrue(out.contains("Key ID: \"dave\""), out);
    assertTrue(out.contains("Serial: 99"), out);
    assertTrue(out.contains("Signed by: this bastion's user CA"), out);
    assertTrue(out.contains("Signature: valid"), out);
    assertTrue(out.contains("Status: valid now"), out);

    CliRun plain = CliRun.of(dataDir, "cert", "inspect", OpenSsh.pub(key).toString());
    assertEquals(1, plain.exitCode());
    assertTrue(
        plain.stderr().contains("holds a plain ssh-ed25519 key, not a certificate"),
        plain.stderr());
  }

  @Test
  void revokedSerialAndIdentityAreListedAndRefusedByTheValidator() {
    CliRun.of(dataDir, "ca", "init").ok();
    Path key = OpenSsh.keygen(home, "id_ed25519");
    CliRun.of(
            dataDir,
            "cert",
            "issue",
            "--key",
            OpenSsh.pub(key).toString(),
            "--identity",
            "erin",
            "--principals",
            "ops",
            "--serial",
            "1234")
        .ok();
    OpenSshCertificate cert = OpenSshKeys.readCertificate(OpenSsh.cert(key));
    CertificateValidator validator = validator();
    assertTrue(validator.validate(cert, InetAddress.getLoopbackAddress()).accepted());

    assertEquals("no revocations", CliRun.of(dataDir, "cert", "revoked").ok().stdout().strip());
    CliRun revoke = CliRun.of(dataDir, "cert", "revoke", "--serial", "1234").ok();
    assertTrue(revoke.stdout().contains("revoked serial 1234"), revoke.stdout());
    CertificateCheck.Refused refused =
        (CertificateCheck.Refused) validator.validate(cert, InetAddress.getLoopbackAddress());
    assertEquals(Refusal.REVOKED_SERIAL, refused.reason());

    CliRun.of(dataDir, "cert", "revoke", "--identity", "erin").ok();
    CliRun again = CliRun.of(dataDir, "cert", "revoke", "--identity", "erin").ok();
    assertTrue(again.stdout().contains("identity \"erin\" was already revoked at"), again.stdout());
    String list = CliRun.of(dataDir, "cert", "revoked").ok().stdout();
    assertTrue(list.contains("serial") && list.contains("1234"), list);
    assertTrue(list.contains("identity") && list.contains("erin"), list);
  }

  @Test
  void revokeNeedsExactlyOneOfSerialOrIdentity() {
    assertEquals(2, CliRun.of(dataDir, "cert", "revoke").exitCode());
    assertEquals(
        2, CliRun.of(dataDir, "cert", "revoke", "--serial", "1", "--identity", "x").exitCode());
    CliRun notANumber = CliRun.of(dataDir, "cert", "revoke", "--serial", "abc");
    assertEquals(1, notANumber.exitCode());
    assertTrue(notANumber.stderr().contains("serial 'abc' is not a number"), notANumber.stderr());
  }

  @Test
  void helpIsAvailableOnEveryLevel() {
    assertTrue(CliRun.of(dataDir, "--help").ok().stdout().contains("Usage: bastion"));
    assertTrue(
        CliRun.of(dataDir, "cert", "issue", "--help").ok().stdout().contains("--principals"));
    assertEquals(2, CliRun.of(dataDir, "no-such-command").exitCode());
  }

  private CertificateValidator validator() {
    return new CertificateValidator(
        List.of(new CaKeyStore(dataDir).load(CaKind.USER).publicKey()),
        CertificateValidator.DEFAULT_CLOCK_SKEW,
        new RevocationList(dataDir),
        Clock.systemUTC());
  }
}
