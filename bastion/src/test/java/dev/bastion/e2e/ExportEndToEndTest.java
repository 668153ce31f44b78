package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.cli.CliRun;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.testsupport.ExternalCommand;
import java.io.BufferedReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
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

/**
 * {@code bastion recordings export} gives back exactly what the ssh client received, whatever the
 * recording's format on disk, and {@code asciinema cat} of the export reproduces it byte for byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long SIZE = 100_000_000;

  /**
   * Mixed text on the target: two-, three- and four-byte UTF-8, 256-colour and true-colour SGR,
   * line erases, tabs, bells and backspaces, shuffled so that characters fall across every packet
   * boundary.
   */
  static final String GENERATOR =
      String.join(
          "\n",
          "import random, sys",
          "rnd = random.Random(14)",
          "pieces = ['gr\\u00fc\\u00dfe ', '\\u20ac', '\\U0001f642', '\\u65e5\\u672c\\u8a9e ',"
              + " 'na\\u00efve ', '\\u03a9mega ', '\\u00ff', 'ascii text ', '\\U0001d11e',"
              + " '\\x1b[1;31mred\\x1b[0m ', '\\x1b[38;5;208morange\\x1b[0m',"
              + " '\\x1b[48;2;10;20;30mtrue\\x1b[0m', '\\t', '\\x07', '\\b', '\\r\\n', '\\n',"
              + " '\\x1b[2K\\r', '0123456789', '\\u00e9']",
          "block = ''.join(rnd.choice(pieces) for _ in range(300000))",
          "out = sys.stdout.buffer",
          "total = 0",
          "i = 0",
          "while total < " + SIZE + ":",
          "    k = rnd.randrange(len(block))",
          "    data = ('\\x1b[33m%d\\x1b[0m ' % i + block[k:] + block[:k]).encode()",
          "    out.write(data)",
          "    total += len(data)",
          "    i += 1",
          "");

  Path dir;
  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw = GatewayFixture.start(dir, "");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void hundredMegabytesOfUtf8AndColourComeBackByteForByteFromExportAndAsciinemaCat()
      throws Exception {
    assertTrue(ExternalCommand.available("asciinema"), "asciinema is needed; .ci/run installs it");
    String command = "python3 -"; // the target's login account reads the generator from stdin
    Process ssh =
        new ProcessBuilder(gw.sshCommand(command))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (var stdin = ssh.getOutputStream()) {
      stdin.write(GENERATOR.getBytes(StandardCharsets.UTF_8));
    }
    Digest received = Digest.of(ssh.getInputStream());
    assertTrue(ssh.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, ssh.exitValue());
    assertTrue(received.count >= SIZE, "received " + received.count);
    SessionRecord session = gw.awaitSealed(s -> command.equals(s.command()));
    Path recording = gw.dataDir.resolve(session.recordingPath());

    // The export, run as an operator would, to a file through stdout.
    Path exported = dir.resolve("exported.cast");
    List<String> export = new ArrayList<>(List.of("java", "-Xmx128m", "-cp"));
    export.add(System.getProperty("java.class.path"));
    export.addAll(
        List.of(
            "dev.bastion.Main",
            "recordings",
            "export",
            session.id(),
            "--data-dir",
            gw.dataDir.toString()));
    Process exporter =
        new ProcessBuilder(export)
            .redirectOutput(exported.toFile())
            .redirectError(dir.resolve("export.err").toFile())
            .start();
    assertTrue(exporter.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, exporter.exitValue(), Files.readString(dir.resolve("export.err")));
    assertEquals("", Files.readString(dir.resolve("export.err")), "a sealed recording: no word");
    try (InputStream plain = RecordingFormat.openPlain(recording);
        InputStream file = Files.newInputStream(exported)) {
      assertEquals(Digest.of(plain), Digest.of(file), "export is the plain text byte for byte");
    }
    assertEquals(received, outputOf(exported), "the export's output events");

    Process cat =
        new ProcessBuilder(
                "script", "-qec", "stty raw -echo; asciinema cat " + exported, "/dev/null")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    cat.getOutputStream().close(); // asciinema cat insists on a terminal: script gives it one, raw
    Digest shown = Digest.of(cat.getInputStream());
    assertTrue(cat.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, cat.exitValue());
    assertEquals(received, shown, "asciinema cat of the export");
  }

  @Test
  void oldPlainAndZstdRecordingsBothPlayAndExportByIdAndAreAudited() throws Exception {
    for (RecordingFormat format : RecordingFormat.values()) {
      String command = "printf 'gr\\303\\274\\303\\237e \\033[32m" + format + "\\033[0m\\n'";
      assertEquals(0, gw.ssh(gw.onTarget(), null, command).exitCode());
      SessionRecord session = gw.awaitSealed(s -> command.equals(s.command()));
      Path file =
          RecordingFiles.inFormat(
              gw.dataDir,
              gw.bastion.database(),
              session.id(),
              gw.dataDir.resolve(session.recordingPath()),
              format);
      assertEquals(format, RecordingFormat.of(file));
      String shown = "grüße \u001b[32m" + format + "\u001b[0m\n";
      assertEquals(
          shown, CliRun.of(gw.dataDir, "play", session.id(), "--speed", "100").ok().stdout());
      CliRun export = CliRun.of(gw.dataDir, "recordings", "export", session.id()).ok();
      Path exported = Files.writeString(dir.resolve(format + ".cast"), export.stdout());
      assertEquals(
          new Digest(
              sha256(shown.getBytes(StandardCharsets.UTF_8)),
              shown.getBytes(StandardCharsets.UTF_8).length),
          outputOf(exported));
      assertTrue(
          new AuditReader(gw.bastion.database())
              .events(null, null, 5000).stream()
                  .anyMatch(
                      e ->
                          e.kind() == AuditKind.RECORDING_REPLAYED
                              && session.id().equals(e.sessionId())
                              && e.detail().startsWith("exported " + file)),
          "export is audited");
    }
  }

  /** SHA-256 and length of a stream, read in chunks (never held whole). */
  record Digest(String sha256, long count) {
    static Digest of(InputStream in) throws Exception {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long count = 0;
      try (DigestInputStream digesting = new DigestInputStream(in, sha)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = digesting.read(buf)) > 0; ) {
          count += n;
        }
      }
      return new Digest(HexFormat.of().formatHex(sha.digest()), count);
    }
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** The concatenated output events of an asciicast file, as bytes, digested line by line. */
  static Digest outputOf(Path cast) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long count = 0;
    try (BufferedReader reader = Files.newBufferedReader(cast, StandardCharsets.UTF_8)) {
      JsonNode header = JSON.readTree(reader.readLine());
      assertEquals(2, header.get("version").asInt());
      for (String line; (line = reader.readLine()) != null; ) {
        JsonNode event = JSON.readTree(line);
        if (event.get(1).asText().equals("o")) {
          byte[] data = event.get(2).asText().getBytes(StandardCharsets.UTF_8);
          sha.update(data);
          count += data.length;
        }
      }
    }
    return new Digest(HexFormat.of().formatHex(sha.digest()), count);
  }
}
