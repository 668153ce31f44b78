package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Output of a session without a terminal (its recording's header says {@code "pty": false}), as the
 * engineer's terminal showed it. Without a pty on the target nothing there turns a program's line
 * feeds into CR LF: the engineer's own terminal did (its ONLCR), so a player fed the bytes as they
 * are would draw a staircase. Viewers are shown each bare LF as CR LF; the recording and its
 * download keep the bytes as they were. The replay page does the same in {@code app.js}.
 */
final class NoTerminalOutput {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How an output event line starts once its time is written: {@code [0.5, "o", "}. */
  private static final byte[] OUTPUT =
      ", \"o\", \"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private NoTerminalOutput() {}

  /** True if {@code header} (an asciicast header line) is that of a session without a terminal. */
  static boolean applies(byte[] header) {
    try {
      JsonNode pty = JSON.readTree(header).path("pty");
      return pty.isBoolean() && !pty.booleanValue();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * An event line as the engineer's terminal showed it: in an output event every {@code \n} not
   * already after {@code \r} becomes {@code \r\n}; other events, and output without bare line
   * feeds, come back as the same array.
   */
  static byte[] asShown(byte[] event) {
    int data = dataStart(event);
    if (data < 0) {
      return event;
    }
    int bare = bareLineFeeds(event, data, null);
    if (bare == 0) {
      return event;
    }
    byte[] shown = new byte[event.length + 2 * bare];
    System.arraycopy(event, 0, shown, 0, data);
    bareLineFeeds(event, data, shown);
    return shown;
  }

  /** Where an output event's text starts, or -1 if {@code event} is another kind of event. */
  private static int dataStart(byte[] event) {
    for (int i = 1; i + OUTPUT.length <= event.length && i < 32; i++) {
      if (event[i] == ',') {
        return java.util.Arrays.equals(event, i, i + OUTPUT.length, OUTPUT, 0, OUTPUT.length)
            ? i + OUTPUT.length
            : -1;
      }
    }
    return -1;
  }

  /**
   * Counts the bare {@code \n} escapes from {@code from} on; with {@code out}, also copies the rest
   * of the line there (from the same offset) with each of them written as {@code \r\n}.
   */
  private static int bareLineFeeds(byte[] event, int from, byte[] out) {
    int bare = 0;
    int to = from;
    boolean afterCr = false;
    for (int i = from; i < event.length; ) {
      int length = event[i] == '\\' && i + 1 < event.length ? escapeLength(event[i + 1]) : 1;
      length = Math.min(length, event.length - i);
      boolean lineFeed = length == 2 && event[i + 1] == 'n';
      if (lineFeed && !afterCr) {
        bare++;
        if (out != null) {
          out[to++] = '\\';
          out[to++] = 'r';
        }
      }
      if (out != null) {
        System.arraycopy(event, i, out, to, length);
        to += length;
      }
      afterCr = length == 2 && event[i + 1] == 'r';
      i += length;
    }
    return bare;
  }

  /** The length of a JSON escape whose letter is {@code letter}: 6 for backslash-u, else 2. */
  private static int escapeLength(byte letter) {
    return letter == 'u' ? 6 : 2;
  }
}
