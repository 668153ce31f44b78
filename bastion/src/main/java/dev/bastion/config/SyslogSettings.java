package dev.bastion.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks {@code audit.syslog} ({@code udp://}, {@code tcp://} or {@code tls://HOST[:PORT]}), {@code
 * audit.syslog_facility} and {@code audit.syslog_ca} (a PEM bundle, read now so that a bad file
 * stops the start, not the first TLS handshake).
 */
final class SyslogSettings extends ConfigValues {
  private final Path baseDir;

  SyslogSettings(String source, Path baseDir) {
    super(source);
    this.baseDir = baseDir;
  }

  Optional<BastionConfig.Syslog> check(RawConfig.Audit raw) {
    if (raw.syslog() == null) {
      if (raw.syslogFacility() != null || raw.syslogCa() != null) {
        String key = raw.syslogFacility() != null ? "audit.syslog_facility" : "audit.syslog_ca";
        throw fail(
            key,
            raw.syslogFacility() != null ? raw.syslogFacility() : raw.syslogCa(),
            "needs audit.syslog (the collector, such as tls://logs.example.com)");
      }
      return Optional.empty();
    }
    String value = raw.syslog().strip();
    int scheme = value.indexOf("://");
    BastionConfig.SyslogTransport transport = null;
    for (BastionConfig.SyslogTransport t : BastionConfig.SyslogTransport.values()) {
      if (scheme > 0 && t.name().toLowerCase(Locale.ROOT).equals(value.substring(0, scheme))) {
        transport = t;
      }
    }
    String rest = scheme > 0 ? value.substring(scheme + 3) : "";
    if (transport == null || rest.isEmpty() || rest.contains("/")) {
      throw fail(
          "audit.syslog",
          value,
          "must be udp://HOST[:PORT], tcp://HOST[:PORT] or tls://HOST[:PORT]"
              + " (ports 514, 601 and 6514 if left out)");
    }
    java.net.InetSocketAddress address;
    try {
      address = address("audit.syslog", rest, transport.defaultPort());
    } catch (ConfigException e) {
      throw fail("audit.syslog", value, "needs a host and a port from 1 to 65535");
    }
    BastionConfig.SyslogFacility facility =
        word(
            "audit.syslog_facility",
            raw.syslogFacility(),
            BastionConfig.SyslogFacility.AUTHPRIV,
            BastionConfig.SyslogFacility.class);
    if (raw.syslogCa() != null && transport != BastionConfig.SyslogTransport.TLS) {
      throw fail("audit.syslog_ca", raw.syslogCa(), "applies only to tls:// in audit.syslog");
    }
    Optional<Path> ca = raw.syslogCa() == null ? Optional.empty() : Optional.of(ca(raw.syslogCa()));
    // The host as written (an IPv6 literal without its brackets), not as Java spells it.
    int colon = rest.lastIndexOf(':');
    String host =
        rest.startsWith("[")
            ? rest.substring(1, rest.indexOf(']'))
            : colon < 0 ? rest : rest.substring(0, colon);
    return Optional.of(new BastionConfig.Syslog(transport, host, address.getPort(), facility, ca));
  }

  /**
   * The CA bundle, resolved against the configuration's directory and parsed now, so that a bad
   * file stops the start; the stream parses it again when it builds its trust store.
   */
  private Path ca(String file) {
    if (file.isBlank()) {
      throw fail("audit.syslog_ca", file, "is empty; give a PEM file of CA certificates");
    }
    Path path = baseDir.resolve(file).toAbsolutePath().normalize();
    try (InputStream in = Files.newInputStream(path)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw fail("audit.syslog_ca", file, "holds no PEM certificate");
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw fail("audit.syslog_ca", file, "does not exist: " + path);
    } catch (IOException e) {
      throw fail("audit.syslog_ca", file, "cannot be read: " + e);
    } catch (CertificateException e) {
      throw fail("audit.syslog_ca", file, "is not a PEM bundle of certificates: " + e.getMessage());
    }
    return path;
  }
}
