package dev.bastion.cli;

import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateDescription;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.Revocations;
import dev.bastion.keys.TimeSpans;
import dev.bastion.recorder.VisibleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.net.InetAddressRange;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bastion cert}: issue, inspect and revoke certificates. */
@Command(
    name = "cert",
    mixinStandardHelpOptions = true,
    description = "Issue, inspect and revoke OpenSSH certificates.",
    subcommands = {
      CertCommand.Issue.class,
      CertCommand.Host.class,
      CertCommand.Inspect.class,
      CertCommand.Revoke.class,
      CertCommand.Revoked.class
    })
final class CertCommand {
  /** Extensions a user certificate may carry besides {@code permit-pty}, all off by default. */
  static final Set<String> PERMITS =
      Set.of("agent-forwarding", "port-forwarding", "X11-forwarding", "user-rc");

  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      description = "Sign a user certificate with the user CA.")
  static final class Issue extends Subcommand {
    @Option(
        names = "--key",
        required = true,
        paramLabel = "PUB",
        description = "The user's public key file.")
    Path key;

    @Option(
        names = "--identity",
        required = true,
        paramLabel = "ID",
        description = "Who the person is (the key id).")
    String identity;

    @Option(
        names = "--principals",
        required = true,
        split = ",",
        paramLabel = "P1,P2",
        description = "Role names the certificate grants.")
    List<String> principals;

    @Option(
        names = "--ttl",
        defaultValue = "8h",
        converter = DurationConverter.class,
        description = "Lifetime, e.g. 30m, 8h, 7d (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(
        names = "--source-address",
        split = ",",
        paramLabel = "CIDR",
        description = "Addresses or CIDR blocks the certificate may be used from.")
    List<String> sourceAddresses;

    @Option(
        names = "--serial",
        paramLabel = "N",
        description = "Serial number (default: random 64-bit).")
    String serial;

    @Option(
        names = "--permit",
        split = ",",
        paramLabel = "WHAT",
        description = "Also permit: agent-forwarding, port-forwarding, X11-forwarding, user-rc.")
    List<String> permits;

    @Option(
        names = "--no-pty",
        description = "Do not permit a terminal (permit-pty is on by default).")
    boolean noPty;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Where to write (default: <key>-cert.pub; - for stdout).")
    Path out;

    @Override
    protected void run() {
      printable("--identity", identity);
      principals.forEach(principal -> printable("--principals", principal));
      Duration longest = ConfigLoader.load(root().configFile()).ssh().maxCertificateLifetime();
      if (ttl.compareTo(longest) > 0) {
        throw new IllegalArgumentException(
            "--ttl "
                + TimeSpans.describe(ttl)
                + " is longer than ssh.max_certificate_lifetime ("
                + TimeSpans.describe(longest)
                + "); the bastion would refuse the certificate");
      }
      CertificateAuthority ca = new CaKeyStore(dataDir()).load(CaKind.USER);
      PublicKey publicKey = OpenSshKeys.readPublicKey(key);
      CertificateRequest request =
          CertificateRequest.user(publicKey, identity, principals, ttl, Clock.systemUTC());
      if (serial != null) {
        request = request.withSerial(parseSerial(serial));
      }
      if (sourceAddresses != null && !sourceAddresses.isEmpty()) {
        request =
            request.withCriticalOption("source-address", checkSourceAddresses(sourceAddresses));
      }
      for (String permit : permits == null ? List.<String>of() : permits) {
        if (!PERMITS.contains(permit)) {
          throw new IllegalArgumentException(
              "--permit "
                  + permit
                  + " is unknown; use agent-forwarding, port-forwarding, X11-forwarding or user-rc");
        }
        request = request.withExtension("permit-" + permit);
      }
      if (noPty) {
        request = request.withoutExtension("permit-pty");
      }
      OpenSshCertificate cert = ca.sign(request);
      Path target = out != null ? out : CertificateFiles.besideKey(key);
      String where = CertificateFiles.write(cert, identity, target, out());
      System.err.flush();
      spec.commandLine()
          .getErr()
          .printf(
              "issued user certificate for %s: principals %s, serial %s, valid until %s (%s), written to %s%n",
              identity,
              String.join(",", principals),
              Long.toUnsignedString(cert.getSerial()),
              request.validBefore(),
              TimeSpans.describe(ttl),
              where);
    }
  }

  @Command(
      name = "host",
      mixinStandardHelpOptions = true,
      description = "Sign a host certificate with the host CA.")
  static final class Host extends Subcommand {
    @Option(
        names = "--key",
        required = true,
        paramLabel = "PUB",
        description = "The host's public key file.")
    Path key;

    @Option(
        names = "--hostnames",
        required = true,
        split = ",",
        paramLabel = "H1,H2",
        description = "Names and addresses clients use to reach the host.")
    List<String> hostnames;

    @Option(
        names = "--ttl",
        defaultValue = "52w",
        converter = DurationConverter.class,
        description = "Lifetime (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Where to write (default: <key>-cert.pub; - for stdout).")
    Path out;

    @Override
    protected void run() {
      hostnames.forEach(hostname -> printable("--hostnames", hostname));
      CertificateAuthority ca = new CaKeyStore(dataDir()).load(CaKind.HOST);
      CertificateRequest request =
          CertificateRequest.host(
              OpenSshKeys.readPublicKey(key), hostnames.get(0), hostnames, ttl, Clock.systemUTC());
      OpenSshCertificate cert = ca.sign(request);
      Path target = out != null ? out : CertificateFiles.besideKey(key);
      String where = CertificateFiles.write(cert, hostnames.get(0), target, out());
      spec.commandLine()
          .getErr()
          .printf(
              "issued host certificate for %s: serial %s, valid until %s, written to %s%n",
              String.join(",", hostnames),
              Long.toUnsignedString(cert.getSerial()),
              request.validBefore(),
              where);
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = "Print a certificate's fields (as ssh-keygen -L does), times in UTC.")
  static final class Inspect extends Subcommand {
    @Parameters(paramLabel = "FILE", description = "A certificate file (*-cert.pub).")
    Path file;

    @Override
    protected void run() {
      OpenSshCertificate cert = OpenSshKeys.readCertificate(file);
      out().print(CertificateDescription.describe(file.toString(), cert, VisibleText::escape));
      out().println("        Signed by: " + signer(cert));
      out()
          .println(
              "        Signature: "
                  + (OpenSshKeys.hasValidCaSignature(cert) ? "valid" : "INVALID"));
      out().println("        Status: " + status(cert, Instant.now()));
    }

    private String signer(OpenSshCertificate cert) {
      CaKeyStore store = new CaKeyStore(dataDir());
      for (CaKind kind : CaKind.values()) {
        if (Files.exists(store.publicKeyFile(kind))
            && OpenSshKeys.readPublicKey(store.publicKeyFile(kind)).equals(cert.getCaPubKey())) {
          return "this bastion's " + kind.cliName() + " CA";
        }
      }
      return "a CA this bastion does not hold ("
          + OpenSshKeys.fingerprint(cert.getCaPubKey())
          + ")";
    }

    private static String status(OpenSshCertificate cert, Instant now) {
      long nowSeconds = now.getEpochSecond();
      if (Long.compareUnsigned(cert.getValidAfter(), nowSeconds) > 0) {
        return "not yet valid";
      }
      if (Long.compareUnsigned(cert.getValidBefore(), nowSeconds) <= 0) {
        return "expired "
            + TimeSpans.describe(Duration.ofSeconds(nowSeconds - cert.getValidBefore()))
            + " ago";
      }
      return "valid now";
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description =
          "Revoke a certificate serial or every certificate of an identity; new logins are refused at once.")
  static final class Revoke extends Subcommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
      @Option(names = "--serial", paramLabel = "N", description = "Serial to revoke.")
      String serial;

      @Option(names = "--identity", paramLabel = "ID", description = "Identity (key id) to revoke.")
      String identity;
    }

    @Override
    protected void run() {
      Revocation revocation =
          target.serial != null
              ? Revocation.serial(parseSerial(target.serial), Instant.now())
              : Revocation.identity(target.identity, Instant.now());
      try (RevocationPlace place = RevocationPlace.of(root())) {
        revoke(place.revocations(), revocation);
      }
    }

    private void revoke(Revocations list, Revocation revocation) {
      if (list.add(revocation)) {
        out()
            .println(
                "revoked "
                    + VisibleText.escape(revocation.describe())
                    + "; logins with it are refused from now on");
      } else {
        Optional<Revocation> earlier =
            list.entries().stream()
                .filter(r -> r.kind() == revocation.kind() && r.value().equals(revocation.value()))
                .findFirst();
        out()
            .println(
                VisibleText.escape(revocation.describe())
                    + " was already revoked"
                    + earlier.map(r -> " at " + r.revokedAt()).orElse(""));
      }
    }
  }

  @Command(name = "revoked", mixinStandardHelpOptions = true, description = "List revocations.")
  static final class Revoked extends Subcommand {
    @Override
    protected void run() {
      List<Revocation> entries;
      try (RevocationPlace place = RevocationPlace.of(root())) {
        entries = place.revocations().entries();
      }
      if (entries.isEmpty()) {
        out().println("no revocations");
        return;
      }
      out().printf("%-24s %-9s %s%n", "REVOKED AT", "KIND", "VALUE");
      for (Revocation r : entries) {
        out()
            .printf(
                "%-24s %-9s %s%n",
                r.revokedAt(),
                r.kind().name().toLowerCase(java.util.Locale.ROOT),
                VisibleText.escape(r.value()));
      }
    }
  }

  /**
   * Refuses control characters in a name a certificate carries: it is shown in logs, audit rows and
   * terminals, where a newline could forge a line and an escape sequence drive a terminal.
   */
  static void printable(String option, String value) {
    if (VisibleText.hasControl(value)) {
      throw new IllegalArgumentException(
          option
              + " \""
              + VisibleText.escape(value)
              + "\" holds control characters (shown escaped); use printable text");
    }
  }

  static long parseSerial(String text) {
    try {
      return Long.parseUnsignedLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "serial '" + text + "' is not a number from 0 to 18446744073709551615");
    }
  }

  static String checkSourceAddresses(List<String> entries) {
    for (String entry : entries) {
      String cidr = entry.contains("/") ? entry : entry + (entry.contains(":") ? "/128" : "/32");
      try {
        InetAddressRange.fromCIDR(cidr);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "--source-address " + entry + " is not an address or CIDR block");
      }
    }
    return String.join(",", entries);
  }
}
