package dev.bastion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.bastion.keys.CaKeyStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BastionHostKeyTest {
  static final class MovableClock extends Clock {
    Instant now = Instant.parse("2026-11-21T12:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @TempDir Path dataDir;

  @Test
  void hostCertificateIsRenewedBeforeItExpiresSoALongRunningBastionStaysTrusted() {
    CaKeyStore cas = new CaKeyStore(dataDir);
    cas.init();
    MovableClock clock = new MovableClock();
    BastionHostKey key =
        BastionHostKey.loadOrCreate(dataDir, cas, List.of("bastion.example", "127.0.0.1"), clock);
    OpenSshCertificate first = key.certificate();
    assertEquals(List.of("bastion.example", "127.0.0.1"), List.copyOf(first.getPrincipals()));
    assertEquals(OpenSshCertificate.Type.HOST, first.getType());

    clock.now = clock.now.plus(Duration.ofDays(20));
    assertSame(first, key.certificate(), "renewed too early");

    clock.now = clock.now.plus(Duration.ofDays(4));
    OpenSshCertificate renewed = key.certificate();
    assertNotEquals(first.getValidBefore(), renewed.getValidBefore());
    assertEquals(clock.now.plus(Duration.ofDays(30)).getEpochSecond(), renewed.getValidBefore());
    assertEquals(first.getCertPubKey(), renewed.getCertPubKey(), "same host key, new certificate");
  }
}
