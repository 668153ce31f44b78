package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingFormatTest {
  @TempDir Path dir;

  @Test
  void formatAndSessionIdComeFromTheFileName() {
    assertEquals(RecordingFormat.ZSTD, RecordingFormat.of(Path.of("x/abc.cast.zst")));
    assertEquals(RecordingFormat.PLAIN, RecordingFormat.of(Path.of("abc.cast")));
    assertEquals("abc", RecordingFormat.sessionIdOf(Path.of("y/abc.cast.zst")));
    assertEquals("abc", RecordingFormat.sessionIdOf(Path.of("abc.cast")));
    assertEquals(RecordingFormat.ZSTD, RecordingFormat.ofLabel("asciicast-v2+zstd"));
    var e =
        assertThrows(IllegalArgumentException.class, () -> RecordingFormat.of(Path.of("a.seal")));
    assertEquals("a.seal is not a recording (.cast or .cast.zst)", e.getMessage());
  }

  @Test
  void aZstdStreamCutShortReadsUpToItsLastFlush() throws Exception {
    byte[] first = "{\"version\": 2}\n[0.1, \"o\", \"hello\"]\n".getBytes(StandardCharsets.UTF_8);
    byte[] second = "[0.2, \"o\", \"world\"]\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ZstdOutputStream zstd = new ZstdOutputStream(bytes, 1);
    zstd.write(first);
    zstd.flush();
    int afterFirst = bytes.size();
    zstd.write(second);
    zstd.flush();
    int afterSecond = bytes.size();
    // never closed: the frame has no end, as after kill -9; the second flush is half written
    Path file = dir.resolve("s.cast.zst");
    Files.write(
        file, Arrays.copyOf(bytes.toByteArray(), afterFirst + (afterSecond - afterFirst) / 2));
    assertArrayEquals(first, RecordingFormat.readPlain(file));
    Files.write(file, Arrays.copyOf(bytes.toByteArray(), afterSecond));
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.write(first);
    both.write(second);
    assertArrayEquals(both.toByteArray(), RecordingFormat.readPlain(file));
  }
}
