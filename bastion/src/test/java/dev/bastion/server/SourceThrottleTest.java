package dev.bastion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bastion.config.BastionConfig;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SourceThrottleTest {
  private final SourceThrottle throttle =
      new SourceThrottle(new BastionConfig.Throttle(Duration.ofMinutes(1), 100, 100, 2), () -> 0L);

  @Test
  void addressesOfOneIpv6SlashSixtyFourShareTheCapOfConnectionsNotLoggedIn() throws Exception {
    assertNull(throttle.admit(InetAddress.getByName("2001:db8:1:2::1")));
    assertNull(throttle.admit(InetAddress.getByName("2001:db8:1:2::2")));
    // A third address of the same /64 is the same source, over its cap of two.
    assertEquals(
        SourceThrottle.Refusal.TOO_MANY_UNAUTHENTICATED,
        throttle.admit(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    // Another /64 is another source.
    assertNull(throttle.admit(InetAddress.getByName("2001:db8:1:3::1")));
    // One of the first logs in: its /64 may connect again.
    throttle.authenticated(InetAddress.getByName("2001:db8:1:2::1"));
    assertNull(throttle.admit(InetAddress.getByName("2001:db8:1:2::3")));
  }

  @Test
  void ipv4AddressesAreSourcesOfTheirOwn() throws Exception {
    assertNull(throttle.admit(InetAddress.getByName("192.0.2.1")));
    assertNull(throttle.admit(InetAddress.getByName("192.0.2.1")));
    assertEquals(
        SourceThrottle.Refusal.TOO_MANY_UNAUTHENTICATED,
        throttle.admit(InetAddress.getByName("192.0.2.1")));
    assertNull(throttle.admit(InetAddress.getByName("192.0.2.2")));
  }

  @Test
  void failedLoginsOfOneSlashSixtyFourEmptyOneBucket() throws Exception {
    SourceThrottle strict =
        new SourceThrottle(
            new BastionConfig.Throttle(Duration.ofMinutes(1), 100, 2, 100), () -> 0L);
    for (String address : new String[] {"2001:db8::a", "2001:db8::b"}) {
      InetAddress a = InetAddress.getByName(address);
      assertNull(strict.admit(a));
      strict.closedUnauthenticated(a);
    }
    assertEquals(
        SourceThrottle.Refusal.TOO_MANY_FAILED_LOGINS,
        strict.admit(InetAddress.getByName("2001:db8::c")));
  }
}
