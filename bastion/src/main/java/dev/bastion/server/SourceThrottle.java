package dev.bastion.server;

import dev.bastion.config.BastionConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What one source address may still do before it has logged in: a token bucket of connections, a
 * token bucket of failed logins (a connection that closes without authenticating), and a cap on its
 * connections that have not authenticated yet. Authenticated connections count against none of
 * them, so an engineer who logs in quickly is not held up by a scanner on the same address once the
 * scanner's buckets refill; behind NAT or a TCP load balancer everyone shares one address, so raise
 * the limits there. An IPv6 source is its /64 (one host or site usually holds a whole /64, so
 * counting single addresses would let it take a fresh one for every connection).
 */
final class SourceThrottle {
  /** Why a connection is closed before key exchange; stored as the audit row's code. */
  enum Refusal {
    TOO_MANY_CONNECTIONS("too_many_connections", "too many connections"),
    TOO_MANY_FAILED_LOGINS("too_many_failed_logins", "too many failed logins"),
    TOO_MANY_UNAUTHENTICATED("too_many_unauthenticated", "too many connections not logged in");

    final String code;
    final String text;

    Refusal(String code, String text) {
      this.code = code;
      this.text = text;
    }
  }

  private static final class Source {
    double connections;
    double failures;
    long refilledAt;
    int unauthenticated;
  }

  /** Entries beyond this are purged of idle sources (full buckets, nothing unauthenticated). */
  private static final int PURGE_AT = 10_000;

  private final BastionConfig.Throttle limits;
  private final LongSupplier nanos;
  private final Map<InetAddress, Source> sources = new HashMap<>();

  SourceThrottle(BastionConfig.Throttle limits, LongSupplier nanos) {
    this.limits = limits;
    this.nanos = nanos;
  }

  /**
   * Called as a connection is accepted, before any SSH byte: null if it may go on (it then counts
   * as unauthenticated until {@link #authenticated} or {@link #closed}), or why it is closed.
   */
  synchronized Refusal admit(InetAddress address) {
    Source source = refilled(source(address));
    if (source.unauthenticated >= limits.unauthenticated()) {
      return Refusal.TOO_MANY_UNAUTHENTICATED;
    }
    if (source.failures < 1) {
      return Refusal.TOO_MANY_FAILED_LOGINS;
    }
    if (source.connections < 1) {
      return Refusal.TOO_MANY_CONNECTIONS;
    }
    source.connections--;
    source.unauthenticated++;
    return null;
  }

  /** The connection logged in: it no longer counts as unauthenticated. */
  synchronized void authenticated(InetAddress address) {
    Source source = sources.get(source(address));
    if (source != null && source.unauthenticated > 0) {
      source.unauthenticated--;
    }
  }

  /** The connection closed without logging in: one failed login. */
  synchronized void closedUnauthenticated(InetAddress address) {
    Source source = refilled(source(address));
    if (source.unauthenticated > 0) {
      source.unauthenticated--;
    }
    source.failures = Math.max(0, source.failures - 1);
  }

  /** What is counted as one source: an IPv4 address, or the /64 of an IPv6 address. */
  static InetAddress source(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
    Arrays.fill(prefix, 8, 16, (byte) 0);
    try {
      return InetAddress.getByAddress(prefix);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible); // 16 bytes are always an address
    }
  }

  private Source refilled(InetAddress address) {
    long now = nanos.getAsLong();
    if (sources.size() >= PURGE_AT) {
      purgeIdle(now);
    }
    Source source = sources.get(address);
    if (source == null) {
      source = new Source();
      source.connections = limits.connections();
      source.failures = limits.failedLogins();
      source.refilledAt = now;
      sources.put(address, source);
      return source;
    }
    refill(source, now);
    return source;
  }

  private void refill(Source source, long now) {
    double windows = (now - source.refilledAt) / (double) limits.window().toNanos();
    source.refilledAt = now;
    source.connections =
        Math.min(limits.connections(), source.connections + windows * limits.connections());
    source.failures =
        Math.min(limits.failedLogins(), source.failures + windows * limits.failedLogins());
  }

  private void purgeIdle(long now) {
    for (Iterator<Source> i = sources.values().iterator(); i.hasNext(); ) {
      Source source = i.next();
      refill(source, now);
      if (source.unauthenticated == 0
          && source.connections >= limits.connections()
          && source.failures >= limits.failedLogins()) {
        i.remove();
      }
    }
  }
}
