package dev.bastion.recorder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One stream of a session without a terminal, told apart into text and runs of binary. Text is
 * printable UTF-8 with tabs, line ends, backspace, bell and ESC; anything else (NUL and other
 * control bytes, invalid UTF-8) starts a binary run, which lasts until {@link #TEXT_TO_RESUME}
 * bytes of text come in a row (or, while it is shorter than {@link #SHORT_RUN}, a line end: a stray
 * byte in a line of text holds back no more than that line). A run is counted and hashed as it
 * passes, never kept: its first {@link #SHORT_RUN} bytes and the text that may end it are all this
 * holds. Used under the recording's lock.
 */
final class BinaryRun {
  /** Bytes of text in a row that end a binary run (random data has none this long). */
  static final int TEXT_TO_RESUME = 32;

  /** Runs shorter than this (a stray byte in text) are recorded as they are, not as a line. */
  static final int SHORT_RUN = 16;

  /** ASCII bytes that are text: printable, and the controls terminals use in plain output. */
  private static final boolean[] TEXT = new boolean[128];

  static {
    for (int b = 0x20; b < 0x80; b++) {
      TEXT[b] = true;
    }
    for (int b = 0x07; b <= 0x0D; b++) {
      TEXT[b] = true;
    }
    TEXT[0x1B] = true;
  }

  private final MessageDigest digest;
  private final byte[] head = new byte[SHORT_RUN];
  private final byte[] text = new byte[TEXT_TO_RESUME + 4];
  private boolean active;
  private long count;
  private int textLength;

  BinaryRun() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the text from {@code offset} ends: the first byte that is not text, or {@code end}. */
  static int textEnd(byte[] b, int offset, int end) {
    int i = offset;
    while (i < end) {
      if (i + 8 <= end && AsciiWords.printable(AsciiWords.word(b, i))) {
        i += 8;
        continue;
      }
      // A word with something else in it (a line end, UTF-8, binary): byte by byte through it.
      int stop = Math.min(end, i + 8);
      while (i < stop) {
        int v = b[i];
        int unit = v >= 0 ? (TEXT[v] ? 1 : 0) : sequence(b, i, end, true);
        if (unit == 0) {
          return i;
        }
        i += unit;
      }
    }
    return end;
  }

  /**
   * The length of the UTF-8 sequence at {@code i}, 0 if it is not valid; one cut off by {@code end}
   * counts as text when {@code openEnd} and what is there can begin a valid sequence.
   */
  private static int sequence(byte[] b, int i, int end, boolean openEnd) {
    int need = JsonUtf8.sequenceLength(b[i]);
    if (need == 0) {
      return 0;
    }
    if (i + need > end) {
      if (!openEnd || (end - i >= 2 && !JsonUtf8.validPrefix(b, i, end - i))) {
        return 0;
      }
      for (int k = i + 1; k < end; k++) {
        if ((b[k] & 0xC0) != 0x80) {
          return 0;
        }
      }
      return end - i;
    }
    return JsonUtf8.validSequence(b, i, need) ? need : 0;
  }

  boolean active() {
    return active;
  }

  void begin() {
    active = true;
    count = 0;
    textLength = 0;
  }

  /**
   * Takes bytes into the run from {@code offset}; returns where text resumes ({@link #active()}
   * then false: the caller writes {@link #end} and the held text, then goes on from there) or
   * {@code end} when all of it belonged to the run so far.
   */
  int scan(byte[] b, int offset, int end) {
    int taken = offset; // bytes before this are in the run or held as text
    int runStart = offset;
    int i = offset;
    while (i < end) {
      int v = b[i];
      int unit = v >= 0 ? (TEXT[v] ? 1 : 0) : sequence(b, i, end, false);
      if (unit == 0) {
        if (textLength > 0) {
          absorb(text, 0, textLength);
          textLength = 0;
        }
        i++;
        runStart = i;
        continue;
      }
      i += unit;
      boolean lineOfText = v == '\n' && count + (runStart - taken) < SHORT_RUN;
      if (lineOfText || textLength + (i - runStart) >= TEXT_TO_RESUME) {
        absorb(b, taken, runStart - taken);
        active = false;
        return runStart;
      }
    }
    absorb(b, taken, runStart - taken);
    // The text at the end may yet end the run: hold it (fewer than TEXT_TO_RESUME bytes).
    System.arraycopy(b, runStart, text, textLength, end - runStart);
    textLength += end - runStart;
    return end;
  }

  private void absorb(byte[] b, int offset, int length) {
    if (length <= 0) {
      return;
    }
    if (count < SHORT_RUN) {
      int keep = (int) Math.min(length, SHORT_RUN - count);
      System.arraycopy(b, offset, head, (int) count, keep);
    }
    count += length;
    digest.update(b, offset, length);
  }

  /** The run is over (text resumed, or the stream ended): ends the run, which hands its result. */
  Ending end() {
    active = false;
    long n = count;
    String sha = HexFormat.of().formatHex(digest.digest());
    byte[] shortRun = n < SHORT_RUN ? java.util.Arrays.copyOf(head, (int) n) : null;
    byte[] held = java.util.Arrays.copyOf(text, textLength);
    count = 0;
    textLength = 0;
    byte[] line =
        shortRun != null || n == 0
            ? null
            : ("[binary output: " + n + " bytes, sha256 " + sha + "]\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    return new Ending(shortRun, line, held);
  }

  /**
   * What a finished run leaves for the recording, in order: the short run as it was (or the line
   * standing for a long one), then the text held while the run might have gone on.
   */
  record Ending(byte[] shortRun, byte[] line, byte[] text) {}
}
