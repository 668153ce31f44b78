package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions without a terminal: text as it is, each run of binary as one line. */
class BinaryRunTest {
  @TempDir Path dir;

  SessionRecording create(String name) {
    SessionRecording r =
        SessionRecording.create(
            "0123456789abcdef0123456789abcdef",
            dir.resolve(name),
            new RecordingHeader(80, 24, Instant.now(), "", "alice: deploy@web01", "tar c /srv"),
            null);
    r.binaryAsRuns();
    return r;
  }

  static String sha256(byte[] b, int offset, int length) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update(b, offset, length);
    return HexFormat.of().formatHex(d.digest());
  }

  @Test
  void aRunOfZerosBetweenTextIsOneLineWithItsCountAndDigest() throws Exception {
    byte[] head = "archive follows\n".getBytes(StandardCharsets.UTF_8);
    byte[] zeros = new byte[5 * 1024 * 1024];
    byte[] tail = "done: 5 MiB written, all of it checked twice\n".getBytes(StandardCharsets.UTF_8);
    SessionRecording r = create("z.cast");
    r.output(0, head, 0, head.length);
    for (int at = 0; at < zeros.length; at += 65536) {
      r.output(0, zeros, at, 65536);
    }
    r.output(0, tail, 0, tail.length);
    r.close();
    String expected =
        "archive follows\n[binary output: 5242880 bytes, sha256 "
            + sha256(zeros, 0, zeros.length)
            + "]\r\n"
            + new String(tail, StandardCharsets.UTF_8);
    assertEquals(
        expected,
        new String(Asciicast.read(dir.resolve("z.cast")).data("o"), StandardCharsets.UTF_8));
    assertTrue(Files.size(dir.resolve("z.cast")) < 1024, "the recording stays small");
  }

  @Test
  void randomDataSplitAnywhereAccountsForEveryByteAndStaysSmall() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(data);
    data[0] = 0; // binary from the first byte to the last: one run of all of it
    data[data.length - 1] = 0;
    SessionRecording r = create("r.cast");
    Random cuts = new Random(11);
    for (int at = 0; at < data.length; ) {
      int n = Math.min(data.length - at, 1 + cuts.nextInt(70_000));
      r.output(0, data, at, n);
      at += n;
    }
    r.close();
    String o = new String(Asciicast.read(dir.resolve("r.cast")).data("o"), StandardCharsets.UTF_8);
    assertEquals(
        "[binary output: "
            + data.length
            + " bytes, sha256 "
            + sha256(data, 0, data.length)
            + "]\r\n",
        o);
  }

  @Test
  void textWithAStrayByteStaysTextAsBefore() throws Exception {
    byte[] latin1 = "café au lait\n".getBytes(StandardCharsets.ISO_8859_1);
    SessionRecording r = create("s.cast");
    r.output(0, latin1, 0, latin1.length);
    r.close();
    assertEquals(
        "caf\uFFFD au lait\n",
        new String(Asciicast.read(dir.resolve("s.cast")).data("o"), StandardCharsets.UTF_8));
  }

  @Test
  void aStrayByteHoldsBackNoMoreThanItsLine() throws Exception {
    byte[] line = "ab\377cd\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] err = "to-stderr\n".getBytes(StandardCharsets.UTF_8);
    SessionRecording r = create("l.cast");
    r.output(0, line, 0, line.length);
    r.output(1, err, 0, err.length);
    r.close();
    assertEquals(
        "ab\uFFFDcd\nto-stderr\n",
        new String(Asciicast.read(dir.resolve("l.cast")).data("o"), StandardCharsets.UTF_8));
  }

  @Test
  void utf8TextSplitAcrossChunksAndControlsTerminalsUseStayText() throws Exception {
    String text = "grüße, 世界 🙂 \u001b[31mred\u001b[0m\ttab\r\n\u0007bell\bx";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      SessionRecording r = create("u" + cut + ".cast");
      r.output(1, bytes, 0, cut);
      r.output(1, bytes, cut, bytes.length - cut);
      r.close();
      assertEquals(
          text,
          new String(
              Asciicast.read(dir.resolve("u" + cut + ".cast")).data("o"), StandardCharsets.UTF_8),
          "cut at " + cut);
    }
  }

  @Test
  void textAfterARunIsHeldOnlyUntilItIsLongEnoughThenWrittenInOrder() throws Exception {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    byte[] binary = new byte[100];
    new Random(3).nextBytes(binary);
    binary[0] = 1;
    stream.write(binary);
    String shortText = "ok\n"; // fewer than 32 bytes of text: still part of the run
    stream.write(shortText.getBytes(StandardCharsets.UTF_8));
    stream.write(binary);
    byte[] run = stream.toByteArray();
    String longText = "this line is long enough to end a binary run\n";
    SessionRecording r = create("t.cast");
    byte[] all =
        (new String(run, StandardCharsets.ISO_8859_1) + longText)
            .getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < all.length; i++) {
      r.output(0, all, i, 1); // byte by byte: every boundary
    }
    r.close();
    String o = new String(Asciicast.read(dir.resolve("t.cast")).data("o"), StandardCharsets.UTF_8);
    int binaryEnd = run.length;
    // The random bytes may end in text that joins the long line; the line counts what was binary.
    int textStart = o.indexOf("]\r\n") + 3;
    String text = o.substring(textStart);
    assertTrue(text.endsWith(longText), o);
    int heldFromRun = text.length() - longText.length();
    int runBytes = binaryEnd - heldFromRun;
    assertEquals(
        "[binary output: " + runBytes + " bytes, sha256 " + sha256(all, 0, runBytes) + "]\r\n",
        o.substring(0, textStart));
  }
}
