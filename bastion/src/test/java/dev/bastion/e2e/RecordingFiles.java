package dev.bastion.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import dev.bastion.audit.AuditDatabase;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.recorder.Seal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;

/**
 * Recordings in a chosen format for tests of what reads them, whichever format the bastion writes:
 * zstd written as the recorder does (one stream, flushed every few kilobytes), or a recording moved
 * to the other format with its seal and audit row following, as if written before or after issue
 * 14.
 */
public final class RecordingFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordingFiles() {}

  /** Writes {@code plain} as one zstd stream flushed every {@code flushEvery} bytes, then ended. */
  public static void writeZstd(Path file, byte[] plain, int flushEvery) throws IOException {
    writeZstd(file, plain, flushEvery, true);
  }

  /**
   * As above; unless {@code ended}, the stream stops after its last flush without the end of its
   * frame, as a bastion killed with kill -9 leaves it.
   */
  public static void writeZstd(Path file, byte[] plain, int flushEvery, boolean ended)
      throws IOException {
    OutputStream disk = Files.newOutputStream(file);
    ZstdOutputStream out = new ZstdOutputStream(disk, 1);
    try {
      for (int at = 0; at < plain.length; at += flushEvery) {
        out.write(plain, at, Math.min(flushEvery, plain.length - at));
        out.flush();
      }
    } finally {
      if (ended) {
        out.close();
      } else {
        disk.close(); // the encoder's native memory goes with the garbage collector
      }
    }
  }

  /**
   * Rewrites the sealed recording {@code file} of {@code sessionId} in {@code format} (nothing when
   * it is in that format already): same plain text, the seal moved beside the new file with its
   * size and digest, the audit row pointing at it. Returns the new file.
   */
  public static Path inFormat(
      Path dataDir, AuditDatabase audit, String sessionId, Path file, RecordingFormat format)
      throws Exception {
    if (RecordingFormat.of(file) == format) {
      return file;
    }
    Path moved = file.resolveSibling(sessionId + format.extension());
    if (format == RecordingFormat.ZSTD) {
      writeZstd(moved, RecordingFormat.readPlain(file), 4096);
    } else {
      try (InputStream in = RecordingFormat.openPlain(file)) {
        Files.copy(in, moved);
      }
    }
    ObjectNode seal = (ObjectNode) JSON.readTree(Seal.sealFileOf(file).toFile());
    seal.put("file", moved.getFileName().toString());
    seal.put("size", Files.size(moved));
    seal.put("sha256", RecordingStore.sha256(moved));
    if (seal.has("format")) {
      seal.put("format", format.label());
    }
    Files.write(Seal.sealFileOf(moved), JSON.writeValueAsBytes(seal));
    Files.delete(Seal.sealFileOf(file));
    Files.delete(file);
    try (Connection db = audit.connect();
        PreparedStatement update =
            db.prepareStatement(
                "UPDATE sessions SET recording_path = ?, recording_sha256 = ? WHERE id = ?")) {
      update.setString(1, dataDir.relativize(moved).toString());
      update.setString(2, RecordingStore.sha256(moved));
      update.setString(3, sessionId);
      update.executeUpdate();
    }
    return moved;
  }
}
