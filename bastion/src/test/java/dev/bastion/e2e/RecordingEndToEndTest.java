package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Sessions through the real ssh are recorded exactly as the client saw them, and sealed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordingEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  Path dir;
  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw = GatewayFixture.start(dir, "", "recording:\n  input: true\n");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void hundredMegabytesOfOutputAreRecordedByteForByte() throws Exception {
    List<String> cmd = gw.sshCommand("base64 -w 120 /dev/urandom | head -c 100000000");
    Process ssh = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long count = 0;
    try (InputStream in = ssh.getInputStream()) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        received.update(buf, 0, n);
        count += n;
      }
    }
    assertTrue(ssh.waitFor(60, TimeUnit.SECONDS));
    assertEquals(100_000_000, count);
    SessionRecord session =
        gw.awaitSealed(s -> s.command() != null && s.command().startsWith("base64 -w 120"));
    Path cast = gw.dataDir.resolve(session.recordingPath());
    MessageDigest recorded = MessageDigest.getInstance("SHA-256");
    try (BufferedReader reader =
        new BufferedReader(
            new java.io.InputStreamReader(
                dev.bastion.recorder.RecordingFormat.openPlain(cast), StandardCharsets.UTF_8))) {
      JsonNode header = JSON.readTree(reader.readLine());
      assertEquals(2, header.get("version").asInt());
      assertEquals(
          "base64 -w 120 /dev/urandom | head -c 100000000", header.get("command").asText());
      assertEquals("alice@example.com: " + gw.login + "@web01", header.get("title").asText());
      for (String line; (line = reader.readLine()) != null; ) {
        JsonNode event = JSON.readTree(line);
        if (event.get(1).asText().equals("o")) {
          recorded.update(event.get(2).asText().getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(
        HexFormat.of().formatHex(received.digest()), HexFormat.of().formatHex(recorded.digest()));
    assertEquals(dev.bastion.recorder.RecordingStore.sha256(cast), session.recordingSha256());
  }

  @Test
  void utf8AndColoursAreRecordedAsSentAndAsciinemaReproducesThem() throws Exception {
    assertTrue(ExternalCommand.available("asciinema"), "asciinema is needed; .ci/run installs it");
    String script =
        "printf 'gr\\303\\274\\303\\237e \\342\\202\\254 \\360\\237\\231\\202 \\033[1;31mred\\033[0m\\n';"
            + " printf 'ab\\377cd\\n'; echo to-stderr >&2";
    List<String> cmd = gw.sshCommand(script);
    Process ssh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] received = ssh.getInputStream().readAllBytes();
    assertTrue(ssh.waitFor(30, TimeUnit.SECONDS));
    SessionRecord session = gw.awaitSealed(s -> script.equals(s.command()));
    Path cast = gw.dataDir.resolve(session.recordingPath());
    byte[] output = outputOf(cast);
    String expected =
        new String(received, StandardCharsets.UTF_8); // invalid 0xFF decodes to U+FFFD, as recorded
    assertEquals(
        expected.replace("to-stderr\n", ""),
        new String(output, StandardCharsets.UTF_8).replace("to-stderr\n", ""));
    assertTrue(
        new String(output, StandardCharsets.UTF_8).contains("grüße € 🙂 \u001b[1;31mred\u001b[0m"));
    assertTrue(new String(output, StandardCharsets.UTF_8).contains("ab\uFFFDcd"));

    // asciinema cat insists on a terminal; script gives it one, in raw mode so nothing is
    // translated. It reads the recording's plain asciicast text (as zstdcat gives it).
    Path plain = dir.resolve("plain.cast");
    Files.write(plain, dev.bastion.recorder.RecordingFormat.readPlain(cast));
    CommandResult cat =
        ExternalCommand.of("script", "-qec", "stty raw -echo; asciinema cat " + plain, "/dev/null")
            .env("LC_ALL", "C.UTF-8")
            .run();
    assertEquals(0, cat.exitCode(), cat.toString());
    assertEquals(new String(output, StandardCharsets.UTF_8), cat.stdout());
  }

  @Test
  void terminalSessionRecordsResizesAndKeystrokes() throws Exception {
    String socket = dir.resolve("tmux.sock").toString();
    List<String> ssh = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    ssh.addAll(gw.sshOptions(gw.userKey));
    ssh.add(gw.onTarget() + "@127.0.0.1");
    List<String> start =
        new ArrayList<>(List.of("tmux", "-S", socket, "new-session", "-d", "-x", "90", "-y", "25"));
    start.add(String.join(" ", ssh));
    ExternalCommand.of(start).run().orThrow();
    try {
      // Resized only once the target's shell prompts: its recording starts at 90x25.
      String screen = "";
      for (int i = 0; i < 100 && !screen.contains("$"); i++) {
        Thread.sleep(100);
        screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      }
      assertTrue(screen.contains("$"), "no shell prompt:\n" + screen);
      ExternalCommand.of("tmux", "-S", socket, "resize-window", "-x", "132", "-y", "43")
          .run()
          .orThrow();
      // The new size has passed the bastion (and is recorded) once the target's pty has it.
      for (int i = 0; i < 20 && !screen.contains("43 132"); i++) {
        ExternalCommand.of("tmux", "-S", socket, "send-keys", "stty size", "Enter").run().orThrow();
        Thread.sleep(500);
        screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      }
      assertTrue(screen.contains("43 132"), "the target never got the new size:\n" + screen);
      ExternalCommand.of("tmux", "-S", socket, "send-keys", "echo recorded-$((40+2))", "Enter")
          .run()
          .orThrow();
      for (int i = 0; i < 100 && !screen.contains("recorded-42"); i++) {
        Thread.sleep(100);
        screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      }
      ExternalCommand.of("tmux", "-S", socket, "send-keys", "exit", "Enter").run().orThrow();
      SessionRecord session = gw.awaitSealed(s -> "shell".equals(s.kind()));
      Path cast = gw.dataDir.resolve(session.recordingPath());
      List<String> lines = GatewayFixture.recordingLines(cast);
      JsonNode header = JSON.readTree(lines.get(0));
      assertEquals(90, header.get("width").asInt());
      assertEquals(25, header.get("height").asInt());
      assertEquals("tmux-256color", header.get("env").get("TERM").asText());
      assertTrue(
          lines.stream().anyMatch(l -> l.contains("\"r\", \"132x43\"")), String.join("\n", lines));
      assertTrue(new String(outputOf(cast), StandardCharsets.UTF_8).contains("recorded-42"));
      StringBuilder typed = new StringBuilder();
      for (String line : lines.subList(1, lines.size())) {
        JsonNode e = JSON.readTree(line);
        if (e.get(1).asText().equals("i")) {
          typed.append(e.get(2).asText());
        }
      }
      assertTrue(typed.toString().contains("echo recorded-$((40+2))\r"), typed.toString());
    } finally {
      ExternalCommand.of("tmux", "-S", socket, "kill-server").run();
    }
  }

  @Test
  void recordingsVerifyNamesTheOneRecordingThatWasAltered() throws Exception {
    CommandResult a = gw.ssh(gw.onTarget(), null, "echo first-recording");
    CommandResult b = gw.ssh(gw.onTarget(), null, "echo second-recording");
    assertEquals(0, a.exitCode());
    assertEquals(0, b.exitCode());
    SessionRecord first = gw.awaitSealed(s -> "echo first-recording".equals(s.command()));
    SessionRecord second = gw.awaitSealed(s -> "echo second-recording".equals(s.command()));
    Path cast = gw.dataDir.resolve(second.recordingPath());
    assertTrue(cast.toString().endsWith(".cast.zst"), cast.toString());
    byte[] bytes = Files.readAllBytes(cast);
    bytes[bytes.length / 2] ^= 0x01; // one changed byte of the file on disk (compressed)
    Files.write(cast, bytes);

    List<String> cmd =
        new ArrayList<>(
            List.of(
                "java",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.bastion.Main",
                "recordings",
                "verify",
                "--data-dir",
                gw.dataDir.toString()));
    CommandResult verify = ExternalCommand.of(cmd).run();
    assertEquals(1, verify.exitCode(), verify.toString());
    assertTrue(verify.stdout().contains("ok      " + first.id()), verify.stdout());
    assertTrue(verify.stdout().contains("FAILED  " + second.id()), verify.stdout());
    assertTrue(verify.stdout().contains("recording was altered"), verify.stdout());
    assertTrue(verify.stderr().contains("bastion: 1 of "), verify.stderr());

    List<String> named = new ArrayList<>(cmd);
    named.add(cast.toString());
    CommandResult one = ExternalCommand.of(named).run();
    assertEquals(1, one.exitCode(), one.toString());
    assertTrue(
        one.stdout().startsWith("FAILED  " + second.id() + "  " + cast + ": recording was altered"),
        one.stdout());
  }

  @Test
  void playingARecordingFromTheCommandLineShowsItAndIsAudited() throws Exception {
    CommandResult r = gw.ssh(gw.onTarget(), null, "echo played-back-text");
    assertEquals(0, r.exitCode());
    SessionRecord session = gw.awaitSealed(s -> "echo played-back-text".equals(s.command()));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int status =
        dev.bastion.cli.BastionCommand.execute(
            new String[] {
              "play", session.id(), "--speed", "100", "--data-dir", gw.dataDir.toString()
            },
            new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    assertEquals(0, status);
    assertEquals("played-back-text\n", out.toString(StandardCharsets.UTF_8));
    AuditReader reader = new AuditReader(gw.bastion.database());
    assertTrue(
        reader.events(null, null, 5000).stream()
            .anyMatch(
                e ->
                    e.kind() == AuditKind.RECORDING_REPLAYED
                        && session.id().equals(e.sessionId())
                        && "cli".equals(e.code())));
  }

  static byte[] outputOf(Path cast) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> lines = GatewayFixture.recordingLines(cast);
    for (String line : lines.subList(1, lines.size())) {
      JsonNode e = JSON.readTree(line);
      if (e.get(1).asText().equals("o")) {
        out.writeBytes(e.get(2).asText().getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }
}
