package dev.bastion.recorder;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a recording is stored on disk. Recordings written before issue 14 are plain asciicast v2
 * ({@code <id>.cast}); new ones are one zstd stream of the same text ({@code <id>.cast.zst}),
 * flushed at every group commit, so a killed process leaves a prefix that reads up to the last
 * flush. Whatever the format, {@link #openPlain} gives the asciicast text.
 */
public enum RecordingFormat {
  PLAIN(".cast", "asciicast-v2"),
  ZSTD(".cast.zst", "asciicast-v2+zstd");

  private final String extension;
  private final String label;

  RecordingFormat(String extension, String label) {
    this.extension = extension;
    this.label = label;
  }

  /** The file name ending, {@code .cast} or {@code .cast.zst}. */
  public String extension() {
    return extension;
  }

  /** The name a seal gives the format, {@code asciicast-v2} or {@code asciicast-v2+zstd}. */
  public String label() {
    return label;
  }

  /**
   * Fails naming the cause when recordings cannot be written in this format here: zstd needs its
   * native library, which is unpacked into the temporary directory and loaded from there (a
   * directory mounted noexec stops it).
   */
  public void ensureWritable() {
    if (this != ZSTD) {
      return;
    }
    try {
      com.github.luben.zstd.util.Native.load();
    } catch (LinkageError | RuntimeException e) {
      String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
      throw new RecordingFailedException(
          "the zstd native library cannot be loaded: " + cause.strip(), e);
    }
  }

  /** The format of a recording file, by its name. */
  public static RecordingFormat of(Path file) {
    String name = file.getFileName().toString();
    if (name.endsWith(ZSTD.extension)) {
      return ZSTD;
    }
    if (name.endsWith(PLAIN.extension)) {
      return PLAIN;
    }
    throw new IllegalArgumentException(
        file.getFileName() + " is not a recording (.cast or .cast.zst)");
  }

  /** The format a seal names; unknown names are refused. */
  public static RecordingFormat ofLabel(String label) {
    for (RecordingFormat format : values()) {
      if (format.label.equals(label)) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown recording format " + label);
  }

  /** True for a recording file name ({@code .cast} or {@code .cast.zst}). */
  public static boolean isRecording(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(ZSTD.extension) || name.endsWith(PLAIN.extension);
  }

  /** The session id a recording file is named after (its name without the extension). */
  public static String sessionIdOf(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.length() - of(file).extension.length());
  }

  /**
   * The plain asciicast v2 text of a recording, whatever its format, in whole lines. A file that a
   * killed process cut short reads up to its last complete line instead of failing.
   */
  public static InputStream openPlain(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    if (of(file) == PLAIN) {
      return new WholeLines(raw);
    }
    try {
      ZstdInputStream zstd = new ZstdInputStream(new BufferedInputStream(raw, 1 << 16));
      zstd.setContinuous(true);
      return new WholeLines(zstd);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** Passes bytes on up to the last newline read so far; a last line without one is dropped. */
  private static final class WholeLines extends InputStream {
    private static final int MAX_LINE = 16 << 20;
    private final InputStream in;
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int lineEnd; // buffer[start, lineEnd) is ready: it ends with a newline
    private int filled;
    private boolean eof;

    WholeLines(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      while (start == lineEnd) {
        if (eof) {
          return -1;
        }
        fill();
      }
      int n = Math.min(length, lineEnd - start);
      System.arraycopy(buffer, start, into, offset, n);
      start += n;
      return n;
    }

    private void fill() throws IOException {
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, filled - start);
        filled -= start;
        lineEnd -= start;
        start = 0;
      }
      if (filled == buffer.length) {
        if (buffer.length >= MAX_LINE) {
          lineEnd = filled; // no recording writes lines this long: pass it on in pieces
          return;
        }
        buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
      }
      int n = in.read(buffer, filled, buffer.length - filled);
      if (n < 0) {
        eof = true;
        return;
      }
      filled += n;
      for (int i = filled - 1; i >= lineEnd; i--) {
        if (buffer[i] == '\n') {
          lineEnd = i + 1;
          break;
        }
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** The whole plain text of a recording (for small recordings and tests). */
  public static byte[] readPlain(Path file) throws IOException {
    try (InputStream in = openPlain(file)) {
      return in.readAllBytes();
    }
  }
}
