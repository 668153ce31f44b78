package dev.bastion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.config.BastionConfig;
import dev.bastion.logging.CapturedLog;
import dev.bastion.testsupport.SyslogServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code audit.syslog} against a real rsyslogd that goes away and comes back: events wait for it,
 * what did not fit in the queue is counted and logged, and a connection it closed is opened again.
 */
class SyslogStreamTest {
  private static SyslogServer rsyslog;
  private CapturedLog log;

  @BeforeAll
  static void startRsyslog() {
    rsyslog = SyslogServer.shared();
  }

  @BeforeEach
  void captureLog() {
    log = CapturedLog.start();
    rsyslog.resume();
  }

  @AfterEach
  void releaseLog() {
    log.close();
  }

  @Test
  void collectorDownAtStartGetsTheQueuedEventsLaterAndTheDropsAreLogged() throws Exception {
    int before = rsyslog.received(SyslogServer.Transport.TCP).size();
    rsyslog.stop();
    try (SyslogStream stream =
        SyslogStream.open(syslog(SyslogServer.Transport.TCP), "n1", Duration.ofMillis(50), 5)) {
      for (int i = 0; i < 30; i++) {
        stream.publish(event("early-" + i));
      }
      await(
          () -> log.contains("cannot reach the collector: ConnectException"), "the failed connect");
      assertTrue(stream.dropped() > 0, "30 events into a queue of 5 while the collector is down");
      rsyslog.resume();
      // The queue stays full until the held events went out: "after" would be dropped too.
      await(
          () -> details(before).size() == 30 - stream.dropped(),
          "the events kept while the collector was down");
      stream.publish(event("after"));
      await(() -> details(before).contains("after"), "the event after the collector came back");
      List<String> got = details(before);
      assertEquals("after", got.get(got.size() - 1));
      assertEquals(30 - stream.dropped(), got.size() - 1, got.toString());
      // Which ones were kept depends on when the stream's thread took its batch; their order not.
      assertEquals("early-0", got.get(0), "the first event never meets a full queue");
      for (int i = 1; i < got.size() - 1; i++) {
        int previous = Integer.parseInt(got.get(i - 1).substring("early-".length()));
        assertTrue(
            got.get(i).startsWith("early-")
                && Integer.parseInt(got.get(i).substring("early-".length())) > previous,
            "held events arrive first, in order: " + got);
      }
      await(
          () -> log.contains(stream.dropped() + " events dropped because its queue of 5 was full"),
          "the drop count");
      assertTrue(log.contains("the collector is reached again"), log.messages().toString());
    }
  }

  @Test
  void connectionClosedByTheCollectorIsOpenedAgain() throws Exception {
    int before = rsyslog.received(SyslogServer.Transport.TLS).size();
    try (SyslogStream stream =
        SyslogStream.open(syslog(SyslogServer.Transport.TLS), "n1", Duration.ofMillis(50), 100)) {
      stream.publish(event("first"));
      await(() -> details(SyslogServer.Transport.TLS, before).contains("first"), "first event");
      rsyslog.stop();
      rsyslog.resume();
      stream.publish(event("second"));
      await(
          () -> details(SyslogServer.Transport.TLS, before).contains("second"),
          "the event after rsyslogd restarted");
      assertEquals(List.of("first", "second"), details(SyslogServer.Transport.TLS, before));
      assertEquals(0, stream.failed());
    }
  }

  @Test
  void collectorThatStopsReadingCostsOneBatchNotTheThread() throws Exception {
    try (java.net.ServerSocket collector = new java.net.ServerSocket(0)) {
      BastionConfig.Syslog syslog =
          new BastionConfig.Syslog(
              BastionConfig.SyslogTransport.TCP,
              "127.0.0.1",
              collector.getLocalPort(),
              BastionConfig.SyslogFacility.AUTHPRIV,
              Optional.empty());
      try (SyslogStream stream = SyslogStream.open(syslog, "n1", Duration.ofMillis(50), 1_000)) {
        stream.publish(event("first"));
        // Accepted, never read: the kernel's buffers fill, then the bastion's write hangs.
        java.net.Socket stalled = collector.accept();
        String big = "x".repeat(60_000);
        for (int i = 0; i < 400 && stream.failed() == 0; i++) {
          stream.publish(event(big));
          Thread.sleep(5);
        }
        await(() -> stream.failed() > 0, "the stalled write to be given up");
        assertTrue(log.contains("the collector took no data for 10 s"), log.messages().toString());
        stream.publish(event("after"));
        try (java.net.Socket next = collector.accept()) {
          next.setSoTimeout(30_000);
          assertTrue(readsUntil(next, "\"detail\":\"after\""), "the event after the stall");
        }
        stalled.close();
      }
    }
  }

  /** Reads the connection until {@code text} went by; false at its end. */
  private static boolean readsUntil(java.net.Socket socket, String text) throws Exception {
    byte[] wanted = text.getBytes(StandardCharsets.UTF_8);
    java.io.InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
    int matched = 0;
    for (int b = in.read(); b >= 0; b = in.read()) {
      matched = b == wanted[matched] ? matched + 1 : b == wanted[0] ? 1 : 0;
      if (matched == wanted.length) {
        return true;
      }
    }
    return false;
  }

  private static BastionConfig.Syslog syslog(SyslogServer.Transport transport) {
    return new BastionConfig.Syslog(
        BastionConfig.SyslogTransport.valueOf(transport.name()),
        "localhost",
        rsyslog.port(transport),
        BastionConfig.SyslogFacility.LOCAL4,
        Optional.of(rsyslog.ca()));
  }

  private static AuditEvent event(String detail) {
    return new AuditEvent(
        Instant.now(),
        AuditKind.SESSION_STARTED,
        "alice",
        null,
        null,
        null,
        null,
        null,
        null,
        detail);
  }

  private static List<String> details(int skip) {
    return details(SyslogServer.Transport.TCP, skip);
  }

  /** The detail of every event received since line {@code skip}. */
  private static List<String> details(SyslogServer.Transport transport, int skip) {
    List<String> lines = rsyslog.received(transport);
    return lines.subList(skip, lines.size()).stream()
        .map(l -> l.substring(l.indexOf("\"detail\":\"") + 10, l.lastIndexOf("\",")))
        .toList();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for " + what + "; rsyslogd: " + rsyslog.ownLog());
      }
      Thread.sleep(20);
    }
  }
}
