package dev.bastion.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;

/**
 * Where the JSON lines go: an append-only file, created {@code 0600} if missing, or the process's
 * standard output. The file is opened again when its path no longer names the open file (moved away
 * or deleted by log rotation: a missing path or another inode), checked before every batch of
 * lines, so rotation needs no signal.
 */
interface StreamFile extends AutoCloseable {
  /** Appends whole lines (each ending with a newline) and flushes them. */
  void append(byte[][] lines, int count) throws IOException;

  @Override
  void close();

  /** Standard output of this process (logs go to standard error). */
  static StreamFile of(OutputStream out) {
    return new StreamFile() {
      @Override
      public void append(byte[][] lines, int count) throws IOException {
        for (int i = 0; i < count; i++) {
          out.write(lines[i]);
        }
        out.flush();
      }

      @Override
      public void close() {}
    };
  }

  /** Opens {@code path} now, so a path that cannot be written fails at start. */
  static StreamFile open(Path path) throws IOException {
    return new Appended(path);
  }

  /** An append-only file, reopened after rotation. */
  final class Appended implements StreamFile {
    private final Path path;
    private FileChannel channel;
    private Object key;

    Appended(Path path) throws IOException {
      this.path = path;
      reopen();
    }

    @Override
    public void append(byte[][] lines, int count) throws IOException {
      if (channel == null || moved()) {
        reopen();
      }
      ByteBuffer[] buffers = new ByteBuffer[count];
      long total = 0;
      for (int i = 0; i < count; i++) {
        buffers[i] = ByteBuffer.wrap(lines[i]);
        total += lines[i].length;
      }
      // FileChannel in append mode: every write lands at the end, even after a copytruncate.
      while (total > 0) {
        total -= channel.write(buffers);
      }
    }

    private boolean moved() throws IOException {
      try {
        Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        return !Objects.equals(now, key);
      } catch (NoSuchFileException e) {
        return true;
      }
    }

    private void reopen() throws IOException {
      close();
      channel =
          FileChannel.open(
              path,
              EnumSet.of(
                  StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    @Override
    public void close() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          // Nothing buffered in a FileChannel: the lines written are on their way to the disk.
        }
        channel = null;
      }
    }
  }
}
