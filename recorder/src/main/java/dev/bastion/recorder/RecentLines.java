package dev.bastion.recorder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The latest lines of a session's recording, at most {@code limit} bytes, kept for viewers who join
 * late. A ring that grows with the output up to its limit, so an idle session holds little and
 * adding a line never allocates once the ring is full. Not thread-safe: the feed's lock guards it.
 */
final class RecentLines {
  private static final int FIRST_SIZE = 4 * 1024;

  private final int limit;
  private byte[] ring;
  private long written;

  RecentLines(int limit) {
    this.limit = limit;
    this.ring = new byte[Math.min(limit, FIRST_SIZE)];
  }

  /** One line with its newline. */
  void add(byte[] buffer, int offset, int length) {
    if (written + length > ring.length && ring.length < limit) {
      // Not wrapped yet: the content is ring[0, written).
      ring =
          Arrays.copyOf(ring, (int) Math.min(limit, Math.max(2L * ring.length, written + length)));
    }
    if (length > ring.length) {
      int skip = length - ring.length; // only its end fits
      offset += skip;
      length -= skip;
      written += skip;
    }
    int at = (int) (written % ring.length);
    int first = Math.min(length, ring.length - at);
    System.arraycopy(buffer, offset, ring, at, first);
    System.arraycopy(buffer, offset + first, ring, 0, length - first);
    written += length;
  }

  /** The whole lines held, oldest first, each without its newline (a list the caller may grow). */
  List<byte[]> lines() {
    int size = (int) Math.min(written, ring.length);
    byte[] flat = new byte[size];
    int start = (int) ((written - size) % ring.length);
    int first = Math.min(size, ring.length - start);
    System.arraycopy(ring, start, flat, 0, first);
    System.arraycopy(ring, 0, flat, first, size - first);
    int from = 0;
    if (written > size) {
      int cut = indexOfNewline(flat, 0); // the oldest line lost its beginning
      if (cut < 0) {
        return new ArrayList<>();
      }
      from = cut + 1;
    }
    List<byte[]> lines = new ArrayList<>();
    for (int end = indexOfNewline(flat, from); end >= 0; end = indexOfNewline(flat, from)) {
      lines.add(Arrays.copyOfRange(flat, from, end));
      from = end + 1;
    }
    return lines;
  }

  private static int indexOfNewline(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
