package dev.bastion.keys;

import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/** A certificate's fields as text, laid out like {@code ssh-keygen -L} but with times in UTC. */
public final class CertificateDescription {
  private CertificateDescription() {}

  public static String describe(String title, OpenSshCertificate cert) {
    return describe(title, cert, UnaryOperator.identity());
  }

  /**
   * As {@link #describe(String, OpenSshCertificate)}, with the texts the certificate's issuer chose
   * (key id, principals, options) passed through {@code visible} (e.g. to escape control characters
   * before they reach a terminal).
   */
  public static String describe(
      String title, OpenSshCertificate cert, UnaryOperator<String> visible) {
    StringBuilder out = new StringBuilder();
    out.append(title).append(":\n");
    String typeWord = cert.getType() == OpenSshCertificate.Type.USER ? "user" : "host";
    field(out, "Type", cert.getKeyType() + " " + typeWord + " certificate");
    field(
        out,
        "Public key",
        shortName(cert.getCertPubKey()) + "-CERT " + OpenSshKeys.fingerprint(cert.getCertPubKey()));
    field(
        out,
        "Signing CA",
        shortName(cert.getCaPubKey())
            + " "
            + OpenSshKeys.fingerprint(cert.getCaPubKey())
            + " (using "
            + cert.getSignatureAlgorithm()
            + ")");
    field(out, "Key ID", "\"" + visible.apply(cert.getId()) + "\"");
    field(out, "Serial", Long.toUnsignedString(cert.getSerial()));
    field(out, "Valid", validity(cert));
    list(out, "Principals", cert.getPrincipals(), visible);
    options(out, "Critical Options", cert.getCriticalOptionsMap(), visible);
    options(out, "Extensions", cert.getExtensionsMap(), visible);
    return out.toString();
  }

  private static String validity(OpenSshCertificate cert) {
    long after = cert.getValidAfter();
    long before = cert.getValidBefore();
    boolean always = after == 0;
    boolean forever = before == OpenSshCertificate.INFINITY;
    if (always && forever) {
      return "forever";
    }
    if (forever) {
      return "after " + time(after);
    }
    if (always) {
      return "before " + time(before);
    }
    return "from " + time(after) + " to " + time(before);
  }

  private static String time(long unsignedEpochSeconds) {
    Instant instant = CertificateValidator.instant(unsignedEpochSeconds);
    return instant.equals(Instant.MAX) ? "forever" : instant.toString();
  }

  private static void field(StringBuilder out, String name, String value) {
    out.append("        ").append(name).append(": ").append(value).append('\n');
  }

  private static void list(
      StringBuilder out,
      String name,
      java.util.Collection<String> values,
      UnaryOperator<String> visible) {
    if (values == null || values.isEmpty()) {
      out.append("        ").append(name).append(": (none)\n");
      return;
    }
    out.append("        ").append(name).append(": \n");
    for (String value : values) {
      out.append("                ").append(visible.apply(value)).append('\n');
    }
  }

  private static void options(
      StringBuilder out, String name, Map<String, String> options, UnaryOperator<String> visible) {
    if (options == null || options.isEmpty()) {
      out.append("        ").append(name).append(": (none)\n");
      return;
    }
    out.append("        ").append(name).append(": \n");
    options.forEach(
        (key, value) -> {
          out.append("                ").append(visible.apply(key));
          if (value != null && !value.isEmpty()) {
            out.append(' ').append(visible.apply(value));
          }
          out.append('\n');
        });
  }

  private static String shortName(java.security.PublicKey key) {
    String type = OpenSshKeys.keyType(key);
    if (type.startsWith("ssh-ed25519")) {
      return "ED25519";
    }
    if (type.startsWith("ecdsa")) {
      return "ECDSA";
    }
    if (type.startsWith("ssh-rsa")) {
      return "RSA";
    }
    return type.toUpperCase(java.util.Locale.ROOT);
  }
}
