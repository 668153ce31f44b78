package dev.bastion.recorder;

/**
 * Writes terminal bytes as the inside of a JSON string, straight from bytes: valid UTF-8 is copied
 * as it is, JSON's specials and control characters are escaped, and anything that is not valid
 * UTF-8 becomes U+FFFD. A sequence split across two chunks is stitched: its first bytes wait in the
 * {@link Stitch} of their stream until the rest arrives.
 */
final class JsonUtf8 {
  private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** True for bytes that end a run of plain ASCII: controls, '"', '\\' and every non-ASCII byte. */
  private static final boolean[] SPECIAL = new boolean[256];

  static {
    for (int b = 0; b < 256; b++) {
      SPECIAL[b] = b < 0x20 || b >= 0x80 || b == '"' || b == '\\';
    }
  }

  private JsonUtf8() {}

  /** The incomplete tail of one byte stream's last chunk. */
  static final class Stitch {
    final byte[] pending = new byte[4];
    int length;
  }

  /** Appends the escaped form of {@code bytes[offset, offset+length)} to {@code out}. */
  static void escape(Stitch stitch, byte[] bytes, int offset, int length, ByteBuf out) {
    int i = offset;
    int end = offset + length;
    if (stitch.length > 0) {
      // Complete the sequence left over from the last chunk, byte by byte.
      int need = sequenceLength(stitch.pending[0]);
      while (stitch.length < need && i < end && isContinuation(bytes[i])) {
        stitch.pending[stitch.length++] = bytes[i++];
      }
      if (stitch.length == need) {
        if (validSequence(stitch.pending, 0, need)) {
          out.put(stitch.pending, 0, need);
        } else {
          out.put(REPLACEMENT);
        }
        stitch.length = 0;
      } else if (i < end) {
        // The next byte is no continuation: the old sequence was cut off.
        out.put(REPLACEMENT);
        stitch.length = 0;
      } else {
        return;
      }
    }
    out.ensure(length + 16);
    while (i < end) {
      int b = bytes[i] & 0xFF;
      if (!SPECIAL[b]) {
        int run = i + 1;
        while (run < end && !SPECIAL[bytes[run] & 0xFF]) {
          run++;
        }
        out.put(bytes, i, run - i);
        i = run;
        continue;
      }
      if (b < 0x80) {
        escapeAscii(b, out);
        i++;
        continue;
      }
      int need = sequenceLength((byte) b);
      if (need == 0) {
        out.put(REPLACEMENT);
        i++;
        continue;
      }
      if (i + need > end) {
        // Possibly split: keep what is there if it is a valid start so far.
        int have = end - i;
        boolean prefix = true;
        for (int k = 1; k < have; k++) {
          if (!isContinuation(bytes[i + k])) {
            prefix = false;
          }
        }
        if (prefix && validPrefix(bytes, i, have)) {
          System.arraycopy(bytes, i, stitch.pending, 0, have);
          stitch.length = have;
          return;
        }
        out.put(REPLACEMENT);
        i++;
        continue;
      }
      if (validSequence(bytes, i, need)) {
        out.put(bytes, i, need);
        i += need;
      } else {
        out.put(REPLACEMENT);
        i++;
        // Skip continuation bytes of the broken sequence one replacement at a time, as decoders do.
      }
    }
  }

  /** Flushes a cut-off sequence at the end of a stream. */
  static void finish(Stitch stitch, ByteBuf out) {
    if (stitch.length > 0) {
      out.put(REPLACEMENT);
      stitch.length = 0;
    }
  }

  /** Escapes a Java string (titles, markers) as the inside of a JSON string. */
  static void escapeString(String text, ByteBuf out) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    escape(new Stitch(), bytes, 0, bytes.length, out);
  }

  private static void escapeAscii(int b, ByteBuf out) {
    switch (b) {
      case '"' -> {
        out.put((byte) '\\');
        out.put((byte) '"');
      }
      case '\\' -> {
        out.put((byte) '\\');
        out.put((byte) '\\');
      }
      case '\n' -> {
        out.put((byte) '\\');
        out.put((byte) 'n');
      }
      case '\r' -> {
        out.put((byte) '\\');
        out.put((byte) 'r');
      }
      case '\t' -> {
        out.put((byte) '\\');
        out.put((byte) 't');
      }
      case '\b' -> {
        out.put((byte) '\\');
        out.put((byte) 'b');
      }
      case '\f' -> {
        out.put((byte) '\\');
        out.put((byte) 'f');
      }
      default -> {
        if (b < 0x20) {
          out.put((byte) '\\');
          out.put((byte) 'u');
          out.put((byte) '0');
          out.put((byte) '0');
          out.put(HEX[b >> 4]);
          out.put(HEX[b & 0xF]);
        } else {
          out.put((byte) b); // DEL (0x7f) needs no escape in JSON
        }
      }
    }
  }

  private static boolean isContinuation(byte b) {
    return (b & 0xC0) == 0x80;
  }

  /** Length of the sequence a lead byte starts, or 0 if it cannot start one. */
  static int sequenceLength(byte lead) {
    int b = lead & 0xFF;
    if (b >= 0xC2 && b <= 0xDF) {
      return 2;
    }
    if (b >= 0xE0 && b <= 0xEF) {
      return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
      return 4;
    }
    return 0;
  }

  /**
   * Whether the first {@code have} bytes can begin a valid sequence (RFC 3629 second-byte ranges).
   */
  static boolean validPrefix(byte[] b, int at, int have) {
    if (have < 2) {
      return sequenceLength(b[at]) > 0;
    }
    return secondByteOk(b[at] & 0xFF, b[at + 1] & 0xFF);
  }

  private static boolean secondByteOk(int lead, int second) {
    return switch (lead) {
      case 0xE0 -> second >= 0xA0 && second <= 0xBF;
      case 0xED -> second >= 0x80 && second <= 0x9F;
      case 0xF0 -> second >= 0x90 && second <= 0xBF;
      case 0xF4 -> second >= 0x80 && second <= 0x8F;
      default -> second >= 0x80 && second <= 0xBF;
    };
  }

  static boolean validSequence(byte[] b, int at, int need) {
    if (!secondByteOk(b[at] & 0xFF, b[at + 1] & 0xFF)) {
      return false;
    }
    for (int k = 2; k < need; k++) {
      if (!isContinuation(b[at + k])) {
        return false;
      }
    }
    return true;
  }
}
