package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.cli.CliRun;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.e2e.WebClient;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Text from outside (user names, key ids, reasons) cannot forge a log line, drive a terminal
 * through the CLI or the engineer's ssh client, or be issued in a certificate: control characters
 * are refused where they are chosen and shown as visible escapes where they are shown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlCharactersTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A key id that writes the clipboard (OSC 52), clears the screen and shows a fake prompt. */
  static final String HOSTILE_ID =
      "\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u001b[Hroot@prod:~# \u001b[31mmallory";

  Path dir;
  GatewayFixture gw;
  Path malloryKey;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    // A second CA the bastion trusts, signing with ssh-keygen: it may put anything in a key id.
    Path otherCa = OpenSsh.keygen(Files.createDirectories(dir.resolve("other-ca")), "ca");
    gw =
        GatewayFixture.start(
            dir,
            "",
            "trusted_user_cas: [\"" + OpenSsh.read(OpenSsh.pub(otherCa)).strip() + "\"]\n");
    malloryKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("mallory")), "id_mallory");
    ExternalCommand.of(
            "ssh-keygen",
            "-q",
            "-s",
            otherCa.toString(),
            "-I",
            HOSTILE_ID,
            "-n",
            "ops",
            "-V",
            "-5m:+1h",
            OpenSsh.pub(malloryKey).toString())
        .run()
        .orThrow();
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aNewlineInAUserNameCannotForgeALogLine() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    Layout<ILoggingEvent> layout =
        ((LayoutWrappingEncoder<ILoggingEvent>)
                ((ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR")).getEncoder())
            .getLayout();
    AppenderBase<ILoggingEvent> capture =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            lines.addAll(Arrays.asList(layout.doLayout(event).split("\n")));
          }
        };
    capture.start();
    root.addAppender(capture);
    String forging = "me\n2026-11-30T01:00:00.000Z INFO  CertificateLogin - login accepted: root";
    try (HostileClient client = HostileClient.login(gw.port(), forging, gw.userKey)) {
      assertTrue(client.session.isAuthenticated());
      // the line is logged once the login's audit row is written, after the client is in
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (lines.stream().noneMatch(l -> l.contains("login accepted"))
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    } finally {
      root.detachAppender(capture);
    }
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("as me\\n2026-11-30T01:00:00.000Z INFO")),
        String.join("\n", lines));
    assertTrue(
        lines.stream().noneMatch(l -> l.startsWith("2026-11-30T01:00:00.000Z")),
        String.join("\n", lines));
  }

  @Test
  void escapesInAKeyIdAreShownEscapedByEveryCliCommandAndOnTheTerminal() throws Exception {
    CommandResult whoami = gw.sshWith(malloryKey, "me", null, "whoami");
    assertEquals(0, whoami.exitCode(), whoami.toString());
    assertVisible(whoami.stdout());
    assertTrue(whoami.stdout().contains("identity:    \\e]52;c;"), whoami.stdout());
    CommandResult session = gw.sshWith(malloryKey, gw.onTarget(), null, "echo through");
    assertEquals("through\n", session.stdout(), session.toString());

    CliRun audit = CliRun.of(gw.dataDir, "audit").ok();
    assertVisible(audit.stdout());
    assertTrue(
        audit.stdout().contains("identity=\\e]52;c;cm0gLXJmIH4=\\x07\\e[2J"), audit.stdout());
    CliRun sessions = CliRun.of(gw.dataDir, "sessions").ok();
    assertVisible(sessions.stdout());
    assertTrue(sessions.stdout().contains("\\e]52;c;"), sessions.stdout());
    for (String command : List.of("audit", "sessions")) {
      CliRun json = CliRun.of(gw.dataDir, command, "--json").ok();
      assertVisible(json.stdout());
      assertTrue(
          JSON.readTree(json.stdout()).findValuesAsText("identity").contains(HOSTILE_ID),
          json.stdout());
    }

    CliRun inspect = CliRun.of(gw.dataDir, "cert", "inspect", OpenSsh.cert(malloryKey).toString());
    assertVisible(inspect.ok().stdout());
    assertTrue(inspect.stdout().contains("Key ID: \"\\e]52;c;"), inspect.stdout());
    CliRun revoke =
        CliRun.of(gw.dataDir, "cert", "revoke", "--identity", "\u001b[2Jsomeone else").ok();
    assertVisible(revoke.stdout());
    CliRun revoked = CliRun.of(gw.dataDir, "cert", "revoked").ok();
    assertVisible(revoked.stdout());
    assertTrue(revoked.stdout().contains("\\e[2Jsomeone else"), revoked.stdout());
  }

  @Test
  void certIssueRefusesControlCharactersInIdentitiesAndPrincipals() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("issue")), "id_issue");
    for (List<String> names :
        List.of(List.of("mallory\u001b[2J", "ops"), List.of("mallory", "ops\nroot"))) {
      CliRun issued =
          CliRun.of(
              gw.dataDir,
              "cert",
              "issue",
              "--key",
              OpenSsh.pub(key).toString(),
              "--identity",
              names.get(0),
              "--principals",
              names.get(1));
      assertEquals(1, issued.exitCode(), issued.toString());
      assertTrue(issued.stderr().contains("holds control characters"), issued.stderr());
      assertVisible(issued.stderr());
      assertFalse(Files.exists(OpenSsh.cert(key)), "a certificate was written for " + names);
    }
  }

  @Test
  void reasonsMustBePrintableAndShortAndNeverReachTheTerminalRaw() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo ready; sleep 120"));
    Process ssh = new ProcessBuilder(cmd).start();
    assertEquals("ready\n", new String(ssh.getInputStream().readNBytes(6), StandardCharsets.UTF_8));
    // Mallory holds the rights to watch and terminate (role ops), and a key id full of escapes.
    WebClient mallory = new WebClient(gw, malloryKey);
    String id = null;
    for (JsonNode s : JSON.readTree(mallory.get("/api/sessions?state=live").body())) {
      if ("echo ready; sleep 120".equals(s.path("command").asText())) {
        id = s.get("id").asText();
      }
    }
    assertTrue(id != null, "the session is not listed");

    for (String reason :
        List.of(
            "\u001b]52;c;cm0gLXJmIH4=\u0007",
            "bye\u001b[2J\u001b[Hroot@prod:~# ",
            "one\nbastion: all is well",
            "x".repeat(201))) {
      HttpResponse<String> refused =
          mallory.post(
              "/api/sessions/" + id + "/terminate",
              JSON.writeValueAsString(java.util.Map.of("reason", reason)));
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(JSON.readTree(refused.body()).path("error").isTextual(), refused.body());
    }
    HttpResponse<String> ended =
        mallory.post("/api/sessions/" + id + "/terminate", "{\"reason\": \"change freeze\"}");
    assertEquals(200, ended.statusCode(), ended.body());
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS), "the session did not end");
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    // Mallory's name reaches the engineer's terminal too: as visible escapes.
    assertTrue(err.contains("bastion: session terminated by \\e]52;c;"), err);
    assertTrue(err.contains(": change freeze"), err);
    assertVisible(err);
  }

  /** No control character but line breaks (a terminal would act on it). */
  private static void assertVisible(String output) {
    for (char c : output.toCharArray()) {
      assertTrue(
          c == '\n' || (c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f)),
          "control character " + (int) c + " in: " + output);
    }
  }
}
