package dev.bastion.audit;

import dev.bastion.config.BastionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code audit.syslog}: every audit event as an RFC 5424 message ({@link SyslogMessage}) to a
 * collector over UDP, TCP or TLS ({@link SyslogConnection}), sent by the stream's own thread
 * ({@link QueuedStream}, {@link SyslogSender}). Nothing is sent at start: a collector that is down
 * does not stop the bastion.
 */
public final class SyslogStream extends QueuedStream {
  /** Longest message over UDP (RFC 5426 asks receivers for at least 2048; rsyslog takes 8k). */
  static final int UDP_MAX_BYTES = 8 * 1024;

  /** Longest message over TCP and TLS. */
  static final int STREAM_MAX_BYTES = 64 * 1024;

  SyslogStream(SyslogSender sender, String name, int limit) {
    super(sender, name, limit);
  }

  /** Sends to {@code syslog}; a CA bundle that cannot be used fails now. */
  public static SyslogStream open(BastionConfig.Syslog syslog, String node) throws IOException {
    SyslogStream stream = open(syslog, node, Duration.ofSeconds(1), QUEUE_LIMIT);
    org.slf4j.LoggerFactory.getLogger(SyslogStream.class)
        .info(
            "audit stream syslog {}: every audit event is also sent there (facility {})",
            syslog,
            syslog.facility().name().toLowerCase(java.util.Locale.ROOT));
    return stream;
  }

  static SyslogStream open(BastionConfig.Syslog syslog, String node, Duration firstRetry, int limit)
      throws IOException {
    BastionConfig.SyslogTransport transport = syslog.transport();
    boolean udp = transport == BastionConfig.SyslogTransport.UDP;
    SSLSocketFactory tls = transport == BastionConfig.SyslogTransport.TLS ? tls(syslog) : null;
    SyslogMessage format =
        new SyslogMessage(
            new AuditJson(node),
            syslog.facility().code(),
            ProcessHandle.current().pid(),
            udp ? UDP_MAX_BYTES : STREAM_MAX_BYTES);
    String name = "syslog " + syslog;
    ScheduledExecutorService deadlines =
        udp
            ? null
            : Executors.newSingleThreadScheduledExecutor(
                task -> {
                  Thread thread = new Thread(task, "audit-stream " + name + " deadline");
                  thread.setDaemon(true);
                  return thread;
                });
    SyslogSender.Connector connector =
        udp
            ? () -> SyslogConnection.datagrams(syslog.host(), syslog.port())
            : () -> SyslogConnection.stream(syslog.host(), syslog.port(), tls, deadlines);
    Runnable stop = deadlines == null ? () -> {} : deadlines::shutdownNow;
    return new SyslogStream(
        new SyslogSender(name, format, connector, firstRetry, Duration.ofSeconds(30), stop),
        name,
        limit);
  }

  /** TLS that trusts {@code audit.syslog_ca}, or the JVM's default trust store without it. */
  private static SSLSocketFactory tls(BastionConfig.Syslog syslog) throws IOException {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (syslog.ca().isPresent()) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(syslog.ca().get())) {
          int i = 0;
          for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
            store.setCertificateEntry("ca-" + i++, ca);
          }
        }
        trust.init(store);
      } else {
        trust.init((KeyStore) null);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException(
          "audit.syslog_ca: cannot use "
              + syslog.ca().map(Object::toString).orElse("the JVM's trust store")
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
