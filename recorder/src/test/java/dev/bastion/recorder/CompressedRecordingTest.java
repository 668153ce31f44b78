package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code .cast.zst} recording: written compressed, readable at every flush, sealed as on disk.
 */
class CompressedRecordingTest {
  static final String ID = "0123456789abcdef0123456789abcdef";
  static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

  @TempDir Path dir;

  SessionRecording create(Path file) {
    return SessionRecording.create(
        ID,
        file,
        new RecordingHeader(80, 24, Instant.parse("2026-11-30T12:00:00Z"), "xterm", "t", null),
        null);
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyFlushLeavesAFileThatReadsUpToTheLastEventWritten() throws Exception {
    Path file = dir.resolve(ID + ".cast.zst");
    SessionRecording r = create(file);
    assertArrayEquals(ZSTD_MAGIC, Arrays.copyOf(Files.readAllBytes(file), 4));
    String before = new String(RecordingFormat.readPlain(file), StandardCharsets.UTF_8);
    assertTrue(before.startsWith("{\"version\":2"), before);
    for (int i = 0; i < 3; i++) {
      byte[] line = text("line " + i + "\r\n");
      r.output(0, line, 0, line.length);
      r.flush();
      Asciicast now = Asciicast.read(file);
      assertEquals(i + 1, now.events().size());
      assertEquals("line " + i + "\r\n", now.events().get(i).get(2).asText());
    }
    r.close();
    assertEquals(
        "line 0\r\nline 1\r\nline 2\r\n",
        new String(Asciicast.read(file).data("o"), StandardCharsets.UTF_8));
  }

  @Test
  void groupCommitWritesACompressedRecordingReadableWithoutClose() throws Exception {
    Path file = dir.resolve(ID + ".cast.zst");
    try (GroupCommit commit = new GroupCommit()) {
      SessionRecording r = create(file);
      commit.register(r);
      r.output(0, text("hello"), 0, 5);
      boolean written = false;
      for (int i = 0; i < 40 && !written; i++) {
        Thread.sleep(25);
        written =
            new String(RecordingFormat.readPlain(file), StandardCharsets.UTF_8).contains("hello");
      }
      assertTrue(written, "event not readable on disk after 1 s");
      commit.unregister(r);
      r.close();
    }
  }

  @Test
  void sizeAndDigestAreOfTheCompressedBytesOnDiskWhichAreSmallerThanTheText() throws Exception {
    Path file = dir.resolve(ID + ".cast.zst");
    SessionRecording r = create(file);
    byte[] screen =
        text("top - 12:00:01 up 3 days,  load average: 0.00, 0.01, 0.05\r\n".repeat(40));
    for (int i = 0; i < 200; i++) {
      r.output(0, screen, 0, screen.length);
      if (i % 10 == 0) {
        r.flush();
      }
    }
    SessionRecording.Sealable done = r.close();
    assertEquals(Files.size(file), done.size());
    assertEquals(RecordingStore.sha256(file), done.sha256());
    long plain = RecordingFormat.readPlain(file).length;
    assertTrue(plain > 200L * screen.length, "plain " + plain);
    assertTrue(done.size() * 20 < plain, done.size() + " bytes on disk for " + plain + " of text");
  }

  @Test
  void anIdleRecordingEndsItsFrameAndTheNextOutputStartsANewOne() throws Exception {
    Path file = dir.resolve(ID + ".cast.zst");
    RecordingFile out = RecordingFile.create(file, RecordingFormat.ZSTD);
    out.write(text("a\n"), 0, 2);
    out.restIfIdle(System.nanoTime() + RecordingFile.IDLE_NANOS);
    long afterFirstFrame = Files.size(file);
    out.write(text("b\n"), 0, 2);
    out.close();
    byte[] bytes = Files.readAllBytes(file);
    assertArrayEquals(
        ZSTD_MAGIC, Arrays.copyOfRange(bytes, (int) afterFirstFrame, (int) afterFirstFrame + 4));
    assertArrayEquals(text("a\nb\n"), RecordingFormat.readPlain(file));
    // and the whole file is a complete zstd stream, as `zstdcat` reads it
    try (var in = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
      assertArrayEquals(text("a\nb\n"), in.readAllBytes());
    }
  }

  @Test
  void backpressureStillTurnsOnAboveTheHighWaterMarkAndOffAfterTheWrite() throws Exception {
    SessionRecording r = create(dir.resolve(ID + ".cast.zst"));
    byte[] chunk = text("x".repeat(64 * 1024));
    while (r.writable()) {
      r.output(0, chunk, 0, chunk.length);
    }
    AtomicBoolean resumed = new AtomicBoolean();
    r.whenWritable(() -> resumed.set(true));
    assertFalse(resumed.get());
    r.flush();
    assertTrue(resumed.get());
    assertTrue(r.writable());
    r.close();
  }

  @Test
  void oneChangedByteOfACompressedRecordingIsNamedAsAltered() throws Exception {
    KeyPair key = RecordingKey.loadOrCreate(dir.resolve("ca"));
    Path file = dir.resolve(ID + ".cast.zst");
    SessionRecording r = create(file);
    r.output(0, text("secret output"), 0, 13);
    Seal seal = Seal.sign(r.close(), Instant.now(), false, key.getPrivate());
    seal.writeBeside(file);
    assertEquals("asciicast-v2+zstd", seal.format());
    assertEquals(2, seal.version());
    assertTrue(
        Files.readString(Seal.sealFileOf(file)).contains("\"format\" : \"asciicast-v2+zstd\""));
    assertNull(RecordingCheck.check("s", file, key.getPublic(), seal.sha256()).problem());

    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(file, bytes);
    String problem = RecordingCheck.check("s", file, key.getPublic(), null).problem();
    assertTrue(problem.startsWith("recording was altered: SHA-256 "), problem);
  }

  @Test
  void aVersionOneSealOfAPlainRecordingStillVerifies() throws Exception {
    KeyPair key = RecordingKey.loadOrCreate(dir.resolve("ca"));
    Path file = dir.resolve(ID + ".cast");
    Files.writeString(
        file, "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"hi\"]\n");
    Seal v1 =
        signedV1(key, file.getFileName().toString(), Files.size(file), RecordingStore.sha256(file));
    v1.writeBeside(file);
    assertFalse(Files.readString(Seal.sealFileOf(file)).contains("format"));
    assertNull(RecordingCheck.check("old", file, key.getPublic(), null).problem());

    Files.writeString(
        file, "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"ho\"]\n");
    String problem = RecordingCheck.check("old", file, key.getPublic(), null).problem();
    assertTrue(problem.startsWith("recording was altered"), problem);
  }

  @Test
  void aSealWhoseFormatIsNotTheFilesIsAProblem() throws Exception {
    KeyPair key = RecordingKey.loadOrCreate(dir.resolve("ca"));
    Path file = dir.resolve(ID + ".cast.zst");
    create(file).close();
    // a version 1 seal says plain asciicast, whatever the name
    signedV1(key, file.getFileName().toString(), Files.size(file), RecordingStore.sha256(file))
        .writeBeside(file);
    assertEquals(
        "seal names the format asciicast-v2 but " + file.getFileName() + " is asciicast-v2+zstd",
        RecordingCheck.check("s", file, key.getPublic(), null).problem());
  }

  @Test
  void anInterruptedCompressedRecordingIsRewrittenWholeUpToItsLastLineAndSealed() throws Exception {
    KeyPair key = RecordingKey.loadOrCreate(dir.resolve("ca"));
    Path file = dir.resolve(ID + ".cast.zst");
    SessionRecording r = create(file);
    r.output(0, text("kept\r\n"), 0, 6);
    r.flush();
    long atFlush = Files.size(file);
    byte[] lost = text("lost ".repeat(1000));
    r.output(0, lost, 0, lost.length);
    r.flush();
    // as after kill -9 in the middle of a write: the frame has no end and the last block is cut
    byte[] onDisk = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(onDisk, (int) (atFlush + (onDisk.length - atFlush) / 2)));
    byte[] prefix = RecordingFormat.readPlain(file);

    Seal seal = RecordingStore.sealInterrupted(ID, file, Instant.now(), key.getPrivate());
    assertTrue(seal.interrupted());
    assertEquals("asciicast-v2+zstd", seal.format());
    try (var in = new ZstdInputStream(Files.newInputStream(file))) {
      assertArrayEquals(prefix, in.readAllBytes(), "a complete zstd stream of the readable prefix");
    }
    assertEquals("kept\r\n", new String(Asciicast.read(file).data("o"), StandardCharsets.UTF_8));
    assertNull(RecordingCheck.check("s", file, key.getPublic(), seal.sha256()).problem());
    try (var files = Files.list(file.getParent())) {
      assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "a temp file was left");
    }
  }

  /** A seal as written before issue 14: version 1, no format, signed text v1. */
  static Seal signedV1(KeyPair key, String fileName, long size, String sha256) throws Exception {
    Seal unsigned =
        new Seal(1, ID, fileName, null, size, sha256, "2026-01-01T00:00:00Z", false, null);
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(key.getPrivate());
    String text =
        "bastion-recording-seal-v1\n"
            + ID
            + "\n"
            + fileName
            + "\n"
            + size
            + "\n"
            + sha256
            + "\n"
            + "2026-01-01T00:00:00Z\nfalse\n";
    assertEquals(text, unsigned.signedText());
    signer.update(text.getBytes(StandardCharsets.UTF_8));
    return new Seal(
        1,
        ID,
        fileName,
        null,
        size,
        sha256,
        "2026-01-01T00:00:00Z",
        false,
        Base64.getEncoder().encodeToString(signer.sign()));
  }
}
