package dev.bastion.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real rsyslogd from Debian's {@code rsyslog} and {@code rsyslog-gnutls} packages, run in the
 * foreground from a temporary directory: it listens on free loopback ports for UDP, TCP and TLS
 * (with a certificate for {@code localhost} only, signed by {@link #ca()}) and writes each message
 * it receives as one line of {@code PRI|HOSTNAME|APP-NAME|PROCID|MSGID|SD|TIMESTAMP|MSG} to the
 * file of its transport ({@link #received}); its own messages (such as failed TLS handshakes) go to
 * {@link #ownLog()}. No /dev/log, no kernel log, nothing outside its directory.
 */
public final class SyslogServer implements AutoCloseable {
  private static SyslogServer shared;

  /** The three listeners. */
  public enum Transport {
    UDP,
    TCP,
    TLS
  }

  private static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
  private static final Path GTLS = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so");

  private final Path dir;
  private final Map<Transport, Integer> ports;
  private Process process;
  private int starts;

  private SyslogServer(Path dir, Map<Transport, Integer> ports) {
    this.dir = dir;
    this.ports = ports;
  }

  /** Whether rsyslogd and its TLS module are installed here. */
  public static boolean available() {
    return Files.isExecutable(RSYSLOGD) && Files.exists(GTLS);
  }

  /** One rsyslogd for the whole JVM, stopped when it exits. */
  public static synchronized SyslogServer shared() {
    if (shared == null) {
      shared = start();
      SyslogServer server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    }
    return shared;
  }

  /** Makes the certificates and the configuration, then starts rsyslogd. */
  public static SyslogServer start() {
    if (!available()) {
      throw new IllegalStateException(
          RSYSLOGD
              + " or its TLS module "
              + GTLS
              + " is missing: install the Debian packages"
              + " rsyslog and rsyslog-gnutls (.ci/run does)");
    }
    try {
      Path dir = Files.createTempDirectory("rsyslog");
      SyslogServer server =
          new SyslogServer(
              dir,
              Map.of(
                  Transport.UDP,
                  freeUdpPort(),
                  Transport.TCP,
                  freePort(),
                  Transport.TLS,
                  freePort()));
      server.certificates();
      server.configure();
      server.resume();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port(Transport transport) {
    return ports.get(transport);
  }

  /** The CA (PEM) that signed the TLS listener's certificate. */
  public Path ca() {
    return dir.resolve("ca.pem");
  }

  /** Another CA (PEM), which signed nothing this server presents. */
  public Path otherCa() {
    return dir.resolve("other-ca.pem");
  }

  /** Every whole line received so far on {@code transport}. */
  public List<String> received(Transport transport) {
    return wholeLines(dir.resolve(transport.name().toLowerCase(java.util.Locale.ROOT) + ".log"));
  }

  /** rsyslogd's own messages and output. */
  public String ownLog() {
    return String.join("\n", wholeLines(dir.resolve("rsyslogd.log")))
        + String.join("\n", wholeLines(dir.resolve("stderr.log")));
  }

  /** Stops rsyslogd (it closes its connections); {@link #resume()} starts it on the same ports. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts rsyslogd and waits until it has said it started. */
  public synchronized void resume() {
    if (process != null) {
      return;
    }
    try {
      process =
          new ProcessBuilder(
                  RSYSLOGD.toString(),
                  "-n",
                  "-f",
                  dir.resolve("rsyslog.conf").toString(),
                  "-i",
                  dir.resolve("rsyslogd.pid").toString())
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    starts++;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (countStarts() < starts) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException("rsyslogd did not start: " + ownLog());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private long countStarts() {
    return wholeLines(dir.resolve("rsyslogd.log")).stream()
        .filter(l -> l.contains("rsyslogd") && l.endsWith("] start"))
        .count();
  }

  @Override
  public synchronized void close() {
    stop();
    ExternalCommand.of("rm", "-rf", dir.toString()).run();
  }

  /** A CA of its own: {@code NAME.key} and {@code NAME.pem} (EC P-256, valid two days). */
  private void selfSignedCa(String name, String commonName) {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".pem",
        "-days",
        "2",
        "-subj",
        "/CN=" + commonName);
  }

  private void certificates() {
    selfSignedCa("ca", "test syslog CA");
    selfSignedCa("other-ca", "other CA");
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost");
    write(
        "server.ext",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext");
  }

  private void configure() {
    StringBuilder conf = new StringBuilder();
    conf.append("global(workDirectory=\"")
        .append(dir)
        .append("\"\n")
        .append(" defaultNetstreamDriverCAFile=\"")
        .append(dir.resolve("ca.pem"))
        .append("\"\n")
        .append(" defaultNetstreamDriverCertFile=\"")
        .append(dir.resolve("server.pem"))
        .append("\"\n")
        .append(" defaultNetstreamDriverKeyFile=\"")
        .append(dir.resolve("server.key"))
        .append("\"\n maxMessageSize=\"64k\" processInternalMessages=\"on\")\n")
        .append("module(load=\"imudp\")\nmodule(load=\"imtcp\")\n")
        .append("template(name=\"fields\" type=\"string\" string=\"%pri%|%hostname%|%app-name%|")
        .append("%procid%|%msgid%|%structured-data%|%timereported:::date-rfc3339%|%msg%\\n\")\n");
    for (Transport t : Transport.values()) {
      String name = t.name().toLowerCase(java.util.Locale.ROOT);
      conf.append("input(type=\"")
          .append(t == Transport.UDP ? "imudp" : "imtcp")
          .append("\" address=\"127.0.0.1\" port=\"")
          .append(ports.get(t))
          .append("\" ruleset=\"")
          .append(name)
          .append('"');
      if (t == Transport.TLS) {
        conf.append(" streamDriver.name=\"gtls\" streamDriver.mode=\"1\"")
            .append(" streamDriver.authMode=\"anon\"");
      }
      conf.append(")\nruleset(name=\"")
          .append(name)
          .append("\") {\n  action(type=\"omfile\"")
          .append(" file=\"")
          .append(dir.resolve(name + ".log"))
          .append("\" template=\"fields\")\n}\n");
    }
    conf.append("*.* action(type=\"omfile\" file=\"")
        .append(dir.resolve("rsyslogd.log"))
        .append("\")\n");
    write("rsyslog.conf", conf.toString());
  }

  private void openssl(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    ExternalCommand.of(command).in(dir).run().orThrow();
  }

  private void write(String name, String text) {
    try {
      Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> wholeLines(Path file) {
    try {
      if (!Files.exists(file)) {
        return List.of();
      }
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      return text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
