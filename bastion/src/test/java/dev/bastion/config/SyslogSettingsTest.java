package dev.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code audit.syslog}, {@code audit.syslog_facility} and {@code audit.syslog_ca} as written. */
class SyslogSettingsTest {
  @TempDir Path dir;

  @Test
  void eachTransportHasItsDefaultPortAndFacilityIsAuthpriv() {
    assertEquals(
        new BastionConfig.Syslog(
            BastionConfig.SyslogTransport.UDP,
            "logs.example.com",
            514,
            BastionConfig.SyslogFacility.AUTHPRIV,
            Optional.empty()),
        syslog("{syslog: udp://logs.example.com}"));
    assertEquals(601, syslog("{syslog: tcp://logs.example.com}").port());
    BastionConfig.Syslog tls = syslog("{syslog: 'tls://[::1]'}");
    assertEquals(6514, tls.port());
    assertEquals("::1", tls.host());
    assertEquals("tls://[::1]:6514", tls.toString());
    BastionConfig.Syslog local = syslog("{syslog: 'tcp://10.0.0.5:1514', syslog_facility: local7}");
    assertEquals(1514, local.port());
    assertEquals(23, local.facility().code());
    assertEquals(4, syslog("{syslog: udp://h, syslog_facility: auth}").facility().code());
  }

  @Test
  void caBundleIsReadRelativeToTheConfiguration() throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    try (var in =
        Files.newInputStream(Path.of(System.getProperty("java.home"), "lib/security/cacerts"))) {
      trusted.load(in, null);
    }
    Certificate any = trusted.getCertificate(trusted.aliases().nextElement());
    Files.writeString(
        dir.resolve("ca.pem"),
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(any.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    BastionConfig.Syslog syslog =
        ConfigLoader.parse(
                "t.yaml", "audit: {syslog: tls://logs, syslog_ca: ca.pem}", dir, name -> null)
            .audit()
            .syslog()
            .orElseThrow();
    assertEquals(Optional.of(dir.resolve("ca.pem").toAbsolutePath()), syslog.ca());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "{syslog: 'syslog://logs'}; audit.syslog: 'syslog://logs' must be udp://HOST[:PORT]",
        "{syslog: 'logs:514'}; audit.syslog: 'logs:514' must be udp://",
        "{syslog: 'tcp://'}; audit.syslog: 'tcp://' must be",
        "{syslog: 'udp://logs/x'}; audit.syslog: 'udp://logs/x' must be",
        "{syslog: 'tcp://logs:0'}; audit.syslog: 'tcp://logs:0' needs a host and a port from 1",
        "{syslog: 'tcp://logs:70000'}; audit.syslog: 'tcp://logs:70000' needs a host and a port",
        "{syslog: 'tls://logs:https'}; audit.syslog: 'tls://logs:https' needs a host and a port",
        "{syslog: 'udp://logs', syslog_facility: local8}; audit.syslog_facility: 'local8' must be"
            + " kern, user,",
        "{syslog: 'udp://logs', syslog_ca: ca.pem}; audit.syslog_ca: 'ca.pem' applies only to"
            + " tls://",
        "{syslog_facility: local0}; audit.syslog_facility: 'local0' needs audit.syslog",
        "{syslog: 'tls://logs', syslog_ca: missing.pem}; audit.syslog_ca: 'missing.pem' does not"
            + " exist",
        "{syslog: 'tls://logs', syslog_ca: junk.pem}; audit.syslog_ca: 'junk.pem' is not a PEM"
            + " bundle of certificates",
      })
  void mistakeStopsTheStartNamingTheKey(String audit, String message) throws Exception {
    Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse("t.yaml", "audit: " + audit, dir, name -> null));
    assertTrue(e.getMessage().startsWith("t.yaml: " + message), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private static BastionConfig.Syslog syslog(String audit) {
    return ConfigLoader.parse("t.yaml", "audit: " + audit).audit().syslog().orElseThrow();
  }
}
