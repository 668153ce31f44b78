package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.cli.CliRun;
import dev.bastion.logging.CapturedLog;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.SyslogServer;
import dev.bastion.testsupport.SyslogServer.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code audit.syslog} as an operator's rsyslogd sees it: a real session through the real ssh
 * client arrives over UDP, TCP and TLS as the database holds it, one RFC 5424 message per event
 * with the header an operator filters on; a collector whose certificate is not trusted gets
 * nothing; a collector that is down at start gets the events once it is up.
 */
class SyslogEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BOM = "\uFEFF";
  private static final String HOSTILE = "echo 'x\n\u001b[31my'";
  private static final Set<AuditKind> WARNINGS =
      Set.of(AuditKind.SESSION_REFUSED, AuditKind.LOGIN_REFUSED);
  private static SyslogServer rsyslog;

  @TempDir Path dir;
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

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sessionArrivesAsTheDatabaseHoldsItWithItsHeader(Transport transport) throws Exception {
    int skip = rsyslog.received(transport).size();
    Path jsonLines = dir.resolve("audit.jsonl");
    try (GatewayFixture gw =
        GatewayFixture.start(
            dir,
            "",
            "audit:\n  json_lines: "
                + jsonLines
                + "\n"
                + collector(transport, "localhost", rsyslog.ca())
                + "  syslog_facility: local3\n")) {
      assertTrue(gw.ssh("root@web01", null, "true").exitCode() != 0, "root is refused");
      CommandResult run = gw.ssh(gw.onTarget(), null, HOSTILE);
      assertEquals(0, run.exitCode(), run.toString());
      List<String[]> messages = awaitSame(gw, transport, skip, 1);

      // Each stream has its own thread: the file may still be behind rsyslogd.
      await(() -> completeLines(jsonLines).size() >= messages.size(), "the json_lines stream");
      List<String> streamed = completeLines(jsonLines);
      assertEquals(streamed.size(), messages.size(), "one message per event, none split");
      long pid = ProcessHandle.current().pid();
      boolean warned = false;
      for (int i = 0; i < messages.size(); i++) {
        String[] m = messages.get(i);
        JsonNode json = JSON.readTree(m[7].substring(BOM.length()));
        AuditKind kind = AuditKind.of(json.get("kind").asText());
        int severity = WARNINGS.contains(kind) ? 4 : 5;
        warned |= severity == 4;
        assertEquals(Integer.toString(19 * 8 + severity), m[0], "PRI of " + kind);
        assertEquals(json.get("node").asText(), m[1], "HOSTNAME");
        assertEquals("bastion", m[2]);
        assertEquals(Long.toString(pid), m[3], "PROCID");
        assertEquals(kind.code(), m[4], "MSGID");
        assertEquals("-", m[5], "STRUCTURED-DATA");
        assertEquals(json.get("time").asText(), m[6], "TIMESTAMP");
        assertTrue(m[7].startsWith(BOM), "MSG starts with the UTF-8 BOM");
        assertEquals(streamed.get(i), m[7].substring(BOM.length()), "the json_lines object");
      }
      assertTrue(warned, "the refused session arrived as a warning: " + streamed);
      JsonNode started =
          messages.stream()
              .filter(m -> m[4].equals("session_started"))
              .map(m -> parse(m[7].substring(1)))
              .filter(j -> j.path("detail").asText().contains("command: echo"))
              .findFirst()
              .orElseThrow();
      assertTrue(
          started.get("detail").asText().endsWith("command: " + HOSTILE), started.toString());
    }
  }

  @Test
  void tlsCollectorNotSignedByTheCaOrNotNamedGetsNothing() throws Exception {
    int skip = rsyslog.received(Transport.TLS).size();
    refused(
        dir.resolve("other-ca"),
        collector(Transport.TLS, "localhost", rsyslog.otherCa()),
        "PKIX path building failed");
    refused(
        dir.resolve("other-name"),
        collector(Transport.TLS, "127.0.0.1", rsyslog.ca()),
        "No subject alternative names matching IP address 127.0.0.1");
    assertEquals(skip, rsyslog.received(Transport.TLS).size(), rsyslog.ownLog());
  }

  /** Runs a session with {@code syslogYaml}; it fails closed for {@code why}, logged. */
  private void refused(Path in, String syslogYaml, String why) throws Exception {
    int events;
    try (GatewayFixture gw =
        GatewayFixture.start(Files.createDirectories(in), "", "audit:\n" + syslogYaml)) {
      assertEquals(0, gw.ssh(gw.onTarget(), null, "true").exitCode());
      await(() -> log.contains("cannot reach the collector: SSLHandshakeException"), "the refusal");
      assertTrue(log.contains(why), log.messages().toString());
      events = new AuditReader(gw.bastion.database()).events(null, null, 1000).size();
    }
    // Closed: the stream's thread has ended and said what it could not send.
    assertTrue(
        log.messages().stream()
            .anyMatch(m -> m.matches(".* \\d+ events were not written before shutdown.*")),
        log.messages().toString());
    assertTrue(events > 0);
    log.clear();
  }

  @Test
  void collectorDownAtStartGetsTheEventsOnceItIsUp() throws Exception {
    int skip = rsyslog.received(Transport.TCP).size();
    rsyslog.stop();
    try (GatewayFixture gw =
        GatewayFixture.start(
            dir, "", "audit:\n" + collector(Transport.TCP, "127.0.0.1", rsyslog.ca()))) {
      assertEquals("200 ready\n", readyz(gw));
      assertEquals(0, gw.ssh(gw.onTarget(), null, "true").exitCode());
      await(
          () -> log.contains("cannot reach the collector: ConnectException"), "the failed connect");
      rsyslog.resume();
      assertEquals(0, gw.ssh(gw.onTarget(), null, "true").exitCode());
      awaitSame(gw, Transport.TCP, skip, 2);
      assertTrue(log.contains("the collector is reached again"), log.messages().toString());
    }
  }

  @Test
  void badSyslogSettingStopsTheStartNamingTheKey() throws Exception {
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(
        config,
        "ssh:\n  listen: 127.0.0.1:0\nweb:\n  listen: 127.0.0.1:0\n"
            + "audit:\n  syslog: tls://logs.example.com\n  syslog_ca: missing.pem\n");
    CliRun run = CliRun.of(dir.resolve("data"), "--config", config.toString(), "serve");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(
        run.stderr().contains("audit.syslog_ca: 'missing.pem' does not exist"), run.stderr());
    assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
  }

  private static String collector(Transport transport, String host, Path ca) {
    String scheme = transport.name().toLowerCase(java.util.Locale.ROOT);
    return "  syslog: "
        + scheme
        + "://"
        + host
        + ":"
        + rsyslog.port(transport)
        + "\n"
        + (transport == Transport.TLS ? "  syslog_ca: " + ca + "\n" : "");
  }

  /**
   * Waits until the database holds {@code sessions} ended sessions and rsyslogd received the same
   * events since line {@code skip}, in the same order; returns the messages' fields.
   */
  private static List<String[]> awaitSame(
      GatewayFixture gw, Transport transport, int skip, int sessions) throws Exception {
    AuditReader reader = new AuditReader(gw.bastion.database());
    List<String> database = List.of();
    List<String> received = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      List<AuditEvent> events = reader.events(null, null, 1000);
      database = events.stream().map(AuditStreamEndToEndTest::row).toList();
      List<String> lines = rsyslog.received(transport);
      List<String[]> messages = new ArrayList<>();
      List<JsonNode> payloads = new ArrayList<>();
      for (String line : lines.subList(skip, lines.size())) {
        String[] fields = line.split("\\|", 8);
        messages.add(fields);
        payloads.add(parse(fields[7].substring(BOM.length())));
      }
      received = AuditStreamEndToEndTest.rows(payloads);
      long ended = database.stream().filter(r -> r.startsWith("session_ended|")).count();
      if (ended == sessions && database.equals(received)) {
        return messages;
      }
      Thread.sleep(50);
    }
    assertEquals(database, received);
    throw new AssertionError("expected " + sessions + " ended sessions: " + database);
  }

  /** The lines of {@code file} its writer has ended with a newline so far. */
  private static List<String> completeLines(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--;
      }
      return new String(bytes, 0, end, StandardCharsets.UTF_8).lines().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  private static String readyz(GatewayFixture gw) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gw.bastion.webPort() + "/readyz"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
