package dev.bastion.recorder;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * The bytes of a recording on disk, in its {@link RecordingFormat}: plain asciicast as it comes, or
 * one zstd stream (level 1) flushed at every {@link #write}, so the file always ends at a flush and
 * a killed process leaves a prefix that reads up to there. Size and SHA-256 are over the bytes on
 * disk. A zstd recording idle for {@link #IDLE_NANOS} ends its frame and frees its compression
 * context; the next output starts a new frame (concatenated frames are one valid stream). Not
 * thread-safe: its owner calls it from one thread at a time.
 */
final class RecordingFile {
  static final int LEVEL = 1;

  /**
   * 128 KiB back-references: terminal output repeats within a screen or a few, and a smaller window
   * keeps each open session's context small (measured in docs/BENCHMARKS.md).
   */
  static final int WINDOW_LOG = 17;

  static final int HASH_LOG = 12;

  /** An idle zstd recording ends its frame and frees its context after this long. */
  static final long IDLE_NANOS = 30_000_000_000L;

  private static final int IN_SIZE = 128 * 1024;
  private static final int OUT_SIZE = 64 * 1024;

  // Text is copied into native memory a slice at a time and compressed from there, so no JNI call
  // works on the heap array of a whole batch (up to 8 MiB) at once; the output is staged here
  // before the write. One pair per writing thread, not per recording (the
  // group commit thread and the few recording I/O threads).
  private static final ThreadLocal<ByteBuffer[]> BUFFERS =
      ThreadLocal.withInitial(
          () ->
              new ByteBuffer[] {
                ByteBuffer.allocateDirect(IN_SIZE), ByteBuffer.allocateDirect(OUT_SIZE)
              });

  private final Path path;
  private final RecordingFormat format;
  private final FileChannel channel;
  private final MessageDigest digest;
  private ZstdCompressCtx zstd;
  private long lastWrite;
  private long size;

  private RecordingFile(Path path, RecordingFormat format, FileChannel channel) {
    this.path = path;
    this.format = format;
    this.channel = channel;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates a new file (0600) that must not exist yet, to hold a recording in this format. */
  static RecordingFile create(Path path, RecordingFormat format) throws IOException {
    format.ensureWritable();
    FileChannel channel =
        FileChannel.open(
            path,
            Set.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
            OwnerOnly.FILE);
    return new RecordingFile(path, format, channel);
  }

  Path path() {
    return path;
  }

  /** Appends asciicast text: as it is, or compressed and flushed so the file ends readable. */
  void write(byte[] data, int offset, int length) throws IOException {
    if (format == RecordingFormat.PLAIN) {
      ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
      digest.update(buffer.duplicate());
      writeFully(buffer);
      return;
    }
    if (zstd == null) {
      zstd = new ZstdCompressCtx().setLevel(LEVEL).setWindowLog(WINDOW_LOG).setHashLog(HASH_LOG);
    }
    ByteBuffer in = BUFFERS.get()[0];
    int end = offset + length;
    for (int at = offset; at < end; ) {
      int n = Math.min(IN_SIZE, end - at);
      in.clear();
      in.put(data, at, n).flip();
      at += n;
      compress(in, at == end ? EndDirective.FLUSH : EndDirective.CONTINUE);
    }
    lastWrite = System.nanoTime();
  }

  /** Ends the zstd frame and frees its context when nothing was written for a while. */
  void restIfIdle(long nowNanos) throws IOException {
    if (zstd != null && nowNanos - lastWrite >= IDLE_NANOS) {
      endFrame();
    }
  }

  private void endFrame() throws IOException {
    try {
      ByteBuffer nothing = BUFFERS.get()[0];
      nothing.clear().limit(0);
      compress(nothing, EndDirective.END);
    } finally {
      zstd.close();
      zstd = null;
    }
  }

  /** Compresses all of {@code in}; a flush or end also drains what zstd holds back. */
  private void compress(ByteBuffer in, EndDirective directive) throws IOException {
    ByteBuffer out = BUFFERS.get()[1];
    boolean done;
    do {
      out.clear();
      try {
        done = zstd.compressByteBufferStream(out, in, directive);
      } catch (ZstdException e) {
        throw new IOException("zstd: " + e.getMessage(), e);
      }
      out.flip();
      digest.update(out.duplicate());
      writeFully(out);
    } while (in.hasRemaining() || directive != EndDirective.CONTINUE && !done);
  }

  private void writeFully(ByteBuffer buffer) throws IOException {
    int length = buffer.remaining();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    size += length;
  }

  /** Ends the stream, fsyncs and closes the file. */
  void close() throws IOException {
    try (channel) {
      if (zstd != null) {
        endFrame();
      }
      channel.force(true);
    }
  }

  /** Bytes on disk so far. */
  long size() {
    return size;
  }

  /** SHA-256 of the bytes on disk; call once, after {@link #close}. */
  String sha256() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
