package dev.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.e2e.RecordingFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code recordings export} and {@code play} read both formats, old plain and zstd, alike. */
class ExportCommandTest {
  static final String ID = "0123456789abcdef0123456789abcdef";
  static final String CAST =
      String.join(
          "\n",
          "{\"version\": 2, \"width\": 80, \"height\": 24, \"title\": \"alice: deploy@web01\"}",
          "[0.1, \"o\", \"$ ls\\r\\n\"]",
          "[0.2, \"i\", \"secret\"]",
          "[0.3, \"o\", \"gr\\u00fc\\u00dfe \\u001b[31mred\\u001b[0m \u20ac \ud83d\ude42\\r\\n\"]",
          "");

  @TempDir Path dir;

  @Test
  void anOldPlainAndAZstdRecordingExportToTheSameBytesOnStdoutAndToAFile() throws Exception {
    Path plain = Files.createDirectories(dir.resolve("old")).resolve(ID + ".cast");
    Files.writeString(plain, CAST);
    sealBeside(plain);
    Path zstd = Files.createDirectories(dir.resolve("new")).resolve(ID + ".cast.zst");
    RecordingFiles.writeZstd(zstd, CAST.getBytes(StandardCharsets.UTF_8), 7);
    sealBeside(zstd);
    assertTrue(Files.size(zstd) != CAST.getBytes(StandardCharsets.UTF_8).length);
    for (Path recording : new Path[] {plain, zstd}) {
      Run run = export(recording.toString());
      assertEquals(0, run.exit, run.stderr);
      assertArrayEquals(CAST.getBytes(StandardCharsets.UTF_8), run.stdout, recording.toString());
      assertEquals("", run.stderr, "a sealed recording exports without a word");
      Path out = dir.resolve("exported-" + recording.getFileName() + ".cast");
      assertEquals(0, export(recording.toString(), "--out", out.toString()).exit);
      assertEquals(CAST, Files.readString(out));
    }
  }

  @Test
  void playShowsAZstdRecordingAsItShowsAPlainOne() throws Exception {
    Path zstd = dir.resolve(ID + ".cast.zst");
    RecordingFiles.writeZstd(zstd, CAST.getBytes(StandardCharsets.UTF_8), 5);
    CliRun run = CliRun.of(dir, "play", zstd.toString(), "--speed", "100").ok();
    assertEquals("$ ls\r\ngrüße \u001b[31mred\u001b[0m € 🙂\r\n", run.stdout());
    assertTrue(run.stderr().contains("playing alice: deploy@web01 (80x24)"), run.stderr());
  }

  @Test
  void anUnsealedRecordingIsExportedUpToItsLastLineWithAWarning() throws Exception {
    Path cast = dir.resolve(ID + ".cast");
    Files.writeString(cast, CAST + "[0.4, \"o\", \"half a li");
    Run run = export(cast.toString());
    assertEquals(0, run.exit);
    assertEquals(CAST, new String(run.stdout, StandardCharsets.UTF_8));
    assertTrue(run.stderr.startsWith("bastion: recording " + ID + " is not sealed"), run.stderr);
  }

  @Test
  void whatCannotBeExportedIsNamed() throws Exception {
    Run unknown = export(ID);
    assertEquals(1, unknown.exit);
    assertTrue(
        unknown.stderr.startsWith("bastion: " + ID + " is neither a file nor a session in "),
        unknown.stderr);
    Run missing = export(dir.resolve("gone.cast.zst").toString());
    assertEquals(1, missing.exit);
    assertTrue(missing.stderr.startsWith("bastion: no such file "), missing.stderr);
    Path notes = Files.writeString(dir.resolve("notes.txt"), "hello");
    Run notRecording = export(notes.toString());
    assertEquals(1, notRecording.exit);
    assertTrue(notRecording.stderr.contains("is not a recording"), notRecording.stderr);

    Path cast = Files.writeString(dir.resolve(ID + ".cast"), CAST);
    Run overwrite = export(cast.toString(), "--out", cast.toString());
    assertEquals(1, overwrite.exit);
    assertTrue(overwrite.stderr.contains("would overwrite the recording"), overwrite.stderr);
    assertEquals(CAST, Files.readString(cast));
    Path zstdWithoutEnd = dir.resolve("broken.cast.zst");
    Files.write(zstdWithoutEnd, "not zstd at all\n".getBytes(StandardCharsets.UTF_8));
    Path out = dir.resolve("out.cast");
    assertEquals(1, export(zstdWithoutEnd.toString(), "--out", out.toString()).exit);
    assertFalse(Files.exists(out), "a failed export leaves no file");
  }

  private static void sealBeside(Path recording) throws Exception {
    Files.writeString(dev.bastion.recorder.Seal.sealFileOf(recording), "{}");
  }

  private record Run(int exit, byte[] stdout, String stderr) {}

  private Run export(String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "recordings";
    all[1] = "export";
    System.arraycopy(args, 0, all, 2, args.length);
    all[args.length + 2] = "--data-dir";
    all[args.length + 3] = dir.toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        BastionCommand.execute(
            all,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
