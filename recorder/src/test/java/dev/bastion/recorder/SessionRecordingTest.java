package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionRecordingTest {
  @TempDir Path dir;

  SessionRecording create(String name) {
    return SessionRecording.create(
        "0123456789abcdef0123456789abcdef",
        dir.resolve(name),
        new RecordingHeader(
            100,
            30,
            Instant.parse("2026-11-21T12:00:00Z"),
            "xterm-256color",
            "alice: deploy@web01",
            null),
        null);
  }

  @Test
  void headerIsAsciicastV2WithSizeTermAndTitle() throws Exception {
    SessionRecording r = create("h.cast");
    r.close();
    Asciicast cast = Asciicast.read(dir.resolve("h.cast"));
    assertEquals(2, cast.header().get("version").asInt());
    assertEquals(100, cast.header().get("width").asInt());
    assertEquals(30, cast.header().get("height").asInt());
    assertEquals(1795262400L, cast.header().get("timestamp").asLong());
    assertEquals("xterm-256color", cast.header().get("env").get("TERM").asText());
    assertEquals("alice: deploy@web01", cast.header().get("title").asText());
    assertEquals(true, cast.header().get("pty").asBoolean());
  }

  @Test
  void headerOfASessionWithoutATerminalSaysSoForPlayers() throws Exception {
    Path file = dir.resolve("nopty.cast");
    SessionRecording.create(
            "0123456789abcdef0123456789abcdef",
            file,
            new RecordingHeader(80, 24, Instant.now(), "", "alice: deploy@web01", "ls", false),
            null)
        .close();
    assertEquals(false, Asciicast.read(file).header().get("pty").asBoolean(true));
  }

  @Test
  void utf8SplitAtEveryPossibleBoundaryIsStitchedNeverMangled() throws Exception {
    String text = "grüße, 世界 — 🙂 \u001b[31mred\u001b[0m \"quoted\" back\\slash\ttab\r\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      SessionRecording r = create("split" + cut + ".cast");
      r.output(0, bytes, 0, cut);
      r.output(0, bytes, cut, bytes.length - cut);
      r.close();
      assertEquals(
          text,
          new String(
              Asciicast.read(dir.resolve("split" + cut + ".cast")).data("o"),
              StandardCharsets.UTF_8),
          "cut at " + cut);
    }
  }

  @Test
  void chunksOfOneByteReassembleEveryCharacter() throws Exception {
    byte[] bytes = "ä€𝄞x".getBytes(StandardCharsets.UTF_8);
    SessionRecording r = create("bytes.cast");
    for (byte b : bytes) {
      r.output(0, new byte[] {b}, 0, 1);
    }
    r.close();
    assertArrayEquals(bytes, Asciicast.read(dir.resolve("bytes.cast")).data("o"));
  }

  @Test
  void invalidUtf8BecomesReplacementCharactersAndNothingElseChanges() throws Exception {
    byte[] bytes = {
      'a',
      (byte) 0xFF,
      'b',
      (byte) 0xC3,
      'c',
      (byte) 0xED,
      (byte) 0xA0,
      (byte) 0x80,
      'd',
      (byte) 0xE2,
      (byte) 0x82
    };
    SessionRecording r = create("bad.cast");
    r.output(0, bytes, 0, bytes.length);
    r.close();
    assertEquals(
        "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDd\uFFFD",
        new String(Asciicast.read(dir.resolve("bad.cast")).data("o"), StandardCharsets.UTF_8));
  }

  @Test
  void randomPrintableAndControlOutputRoundTripsExactly() throws Exception {
    Random random = new Random(7);
    StringBuilder expected = new StringBuilder();
    SessionRecording r = create("random.cast");
    for (int i = 0; i < 2000; i++) {
      StringBuilder chunk = new StringBuilder();
      int n = random.nextInt(300);
      for (int k = 0; k < n; k++) {
        int kind = random.nextInt(10);
        chunk.append(
            kind < 6
                ? (char) (0x20 + random.nextInt(95))
                : kind < 8 ? (char) random.nextInt(0x20) : kind < 9 ? 'ж' : "🙂");
      }
      byte[] b = chunk.toString().getBytes(StandardCharsets.UTF_8);
      int cut = b.length == 0 ? 0 : random.nextInt(b.length);
      r.output(i % 2, b, 0, cut);
      r.output(i % 2, b, cut, b.length - cut);
      expected.append(chunk);
    }
    r.close();
    assertArrayEquals(
        expected.toString().getBytes(StandardCharsets.UTF_8),
        Asciicast.read(dir.resolve("random.cast")).data("o"));
  }

  @Test
  void resizesInputAndMarkersAreEventsOfTheirOwnInTimeOrder() throws Exception {
    SessionRecording r = create("events.cast");
    r.output(0, "$ ".getBytes(StandardCharsets.UTF_8), 0, 2);
    r.resize(132, 43);
    r.input("ls\r".getBytes(StandardCharsets.UTF_8), 0, 3);
    r.marker("viewer bob@example.com joined");
    r.close();
    Asciicast cast = Asciicast.read(dir.resolve("events.cast"));
    List<String> codes = new ArrayList<>();
    double last = -1;
    for (var e : cast.events()) {
      codes.add(e.get(1).asText());
      assertTrue(e.get(0).asDouble() >= last);
      last = e.get(0).asDouble();
    }
    assertEquals(List.of("o", "r", "i", "m"), codes);
    assertEquals("132x43", cast.events().get(1).get(2).asText());
    assertEquals("viewer bob@example.com joined", cast.events().get(3).get(2).asText());
  }

  @Test
  void groupCommitWritesWithinAFewHundredMillisecondsWithoutClose() throws Exception {
    GroupCommit commit = new GroupCommit();
    SessionRecording r = create("live.cast");
    commit.register(r);
    r.output(0, "hello".getBytes(StandardCharsets.UTF_8), 0, 5);
    boolean written = false;
    for (int i = 0; i < 40 && !written; i++) {
      Thread.sleep(25);
      written = Files.readString(dir.resolve("live.cast")).contains("hello");
    }
    assertTrue(written, "event not on disk after 1 s");
    commit.close();
    r.close();
  }

  @Test
  void sealDetectsOneAlteredByteATruncationAndAForgedSeal() throws Exception {
    var key = RecordingKey.loadOrCreate(dir.resolve("ca"));
    SessionRecording r = create("sealed.cast");
    r.output(0, "secret output".getBytes(StandardCharsets.UTF_8), 0, 13);
    Seal seal = Seal.sign(r.close(), Instant.now(), false, key.getPrivate());
    Path cast = dir.resolve("sealed.cast");
    seal.writeBeside(cast);
    assertTrue(RecordingCheck.check("s", cast, key.getPublic(), seal.sha256()).ok());

    byte[] bytes = Files.readAllBytes(cast);
    int at = new String(bytes, StandardCharsets.UTF_8).indexOf("secret");
    bytes[at] = 'S';
    Files.write(cast, bytes);
    assertTrue(
        RecordingCheck.check("s", cast, key.getPublic(), null)
            .problem()
            .startsWith("recording was altered"));

    Files.write(cast, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    assertTrue(
        RecordingCheck.check("s", cast, key.getPublic(), null)
            .problem()
            .startsWith("recording was truncated"));

    Seal forged =
        new Seal(
            seal.version(),
            seal.sessionId(),
            seal.file(),
            seal.format(),
            bytes.length - 5,
            RecordingStore.sha256(cast),
            seal.sealedAt(),
            false,
            seal.signature());
    forged.writeBeside(cast);
    assertTrue(
        RecordingCheck.check("s", cast, key.getPublic(), null)
            .problem()
            .startsWith("seal signature is not valid"));
  }
}
