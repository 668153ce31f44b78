package dev.bastion.proxy;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.TimeSpans;
import dev.bastion.ssh.SsoLogin;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.net.InetAddressRange;

/**
 * {@code ssh ... cert}: after a single sign-on in which the client proved a key, an OpenSSH user
 * certificate for that key, signed by the same user CA as {@code bastion cert issue}: key id the
 * identity, principals the roles, valid for {@code oidc.certificate_ttl} (or a shorter {@code
 * --ttl}) but never past the end of the signed-in connection, the default extensions, bound to
 * addresses with {@code --source-address}. Each is audited ({@code certificate_issued}) before it
 * is handed out, and revocable by serial and identity like any other.
 */
public final class SsoCertificates {
  /** A certificate as handed out, with what the engineer is told about it. */
  record Issued(String line, String summary) {}

  private final CertificateAuthority ca;
  private final Duration ttl;
  private final AuditLog audit;
  private final Clock clock;

  public SsoCertificates(CertificateAuthority ca, Duration ttl, AuditLog audit, Clock clock) {
    this.ca = ca;
    this.ttl = ttl;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Signs and audits; fails with an {@link IllegalArgumentException} whose message is the one line
   * to show (bad options, a key the CA does not certify), or with the audit log's failure.
   */
  CompletableFuture<Issued> issue(
      CertifiedUser user, SsoLogin sso, PublicKey key, String source, List<String> args) {
    Options options = options(args, source);
    CertificateRequest request =
        CertificateRequest.user(key, user.identity(), user.principals(), options.ttl(), clock);
    if (request.validBefore().isAfter(user.validBefore())) {
      request = request.withValidity(request.validAfter(), user.validBefore());
    }
    if (options.sourceAddress() != null) {
      request =
          request.withCriticalOption(OpenSshCertificate.SOURCE_ADDRESS, options.sourceAddress());
    }
    OpenSshCertificate cert = ca.sign(request);
    String serial = Long.toUnsignedString(cert.getSerial());
    Instant until = request.validBefore();
    String principals = String.join(",", user.principals());
    Issued issued =
        new Issued(
            OpenSshKeys.toLine(cert, user.identity()),
            "certificate for "
                + user.identity()
                + " (principals "
                + principals
                + "), serial "
                + serial
                + ", valid until "
                + until
                + "; save it as <your key>-cert.pub");
    String detail =
        "serial "
            + serial
            + ", key "
            + OpenSshKeys.fingerprint(key)
            + ", principals "
            + principals
            + ", valid until "
            + until
            + (options.sourceAddress() == null ? "" : ", source-address " + options.sourceAddress())
            + ", via oidc (issuer "
            + sso.signedIn().issuer()
            + ")";
    return audit
        .record(
            new AuditEvent(
                clock.instant(),
                AuditKind.CERTIFICATE_ISSUED,
                user.identity(),
                serial,
                source,
                null,
                null,
                null,
                "oidc",
                detail))
        .thenApply(written -> issued);
  }

  private record Options(Duration ttl, String sourceAddress) {}

  /** {@code --ttl D}, {@code --source-address} (this connection's) or {@code =CIDR,...}. */
  private Options options(List<String> args, String source) {
    Duration asked = ttl;
    String sourceAddress = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--ttl") && i + 1 < args.size()) {
        asked = ttl(args.get(++i));
      } else if (arg.startsWith("--ttl=")) {
        asked = ttl(arg.substring("--ttl=".length()));
      } else if (arg.equals("--source-address")) {
        sourceAddress = source;
      } else if (arg.startsWith("--source-address=")) {
        sourceAddress = addresses(arg.substring("--source-address=".length()));
      } else {
        throw new IllegalArgumentException(
            "cert takes --ttl DURATION (at most "
                + TimeSpans.describe(ttl)
                + ") and --source-address[=CIDR,...]; '"
                + arg
                + "' is neither");
      }
    }
    return new Options(asked, sourceAddress);
  }

  private Duration ttl(String text) {
    Duration asked = TimeSpans.parse(text);
    if (asked.compareTo(ttl) > 0) {
      throw new IllegalArgumentException(
          "--ttl "
              + text
              + " is longer than this bastion's oidc.certificate_ttl ("
              + TimeSpans.describe(ttl)
              + ")");
    }
    return asked;
  }

  private static String addresses(String list) {
    for (String entry : list.split(",", -1)) {
      String cidr = entry.contains("/") ? entry : entry + (entry.contains(":") ? "/128" : "/32");
      try {
        InetAddressRange.fromCIDR(cidr);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "--source-address " + entry + " is not an address or CIDR block");
      }
    }
    return list;
  }
}
