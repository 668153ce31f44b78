package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths the audit database keeps, read back inside the recordings directory and nowhere else. */
class RecordingStoreTest {
  private static final String ID = "0123456789abcdef0123456789abcdef";

  @TempDir Path dir;

  @Test
  void aStoredPathNamesTheSameFileInAConfiguredDirectoryAsInTheDataDirectory() {
    RecordingStore inData = RecordingStore.inDataDir(dir.resolve("data"));
    RecordingStore shared = RecordingStore.at(dir.resolve("mnt/recordings"));
    Instant start = Instant.parse("2026-11-30T10:00:00Z");
    Path file = shared.pathFor(ID, start, RecordingFormat.ZSTD);
    String stored = shared.storedPath(file);
    assertEquals("recordings/2026/11/30/" + ID + ".cast.zst", stored);
    assertEquals(Optional.of(file), shared.resolve(stored));
    // A row written before recording.dir existed (relative to the data directory) reads the same.
    assertEquals(
        Optional.of(inData.pathFor(ID, start, RecordingFormat.ZSTD)), inData.resolve(stored));
    assertEquals(
        Optional.of(dir.resolve("mnt/recordings/" + ID + ".cast")),
        shared.resolve("recordings/" + ID + ".cast"));
  }

  @Test
  void aStoredPathThatWouldLeaveTheDirectoryNamesNothing() {
    RecordingStore store = RecordingStore.at(dir.resolve("recordings"));
    for (String hostile :
        new String[] {
          "recordings/../audit.mv.db",
          "recordings/2026/../../ca/user_ca",
          "recordings//etc/passwd",
          "recordings/",
          "/etc/passwd",
          "ca/user_ca",
          "../recordings/x.cast",
          "recordings/a\0b.cast",
        }) {
      assertEquals(Optional.empty(), store.resolve(hostile), hostile);
    }
    assertTrue(store.resolve(null).isEmpty());
  }
}
