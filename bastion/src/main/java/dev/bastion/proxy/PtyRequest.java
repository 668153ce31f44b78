package dev.bastion.proxy;

import java.util.Map;
import org.apache.sshd.common.channel.PtyMode;

/**
 * The terminal the client asked for, forwarded to the target and recorded with its size held to
 * sane bounds. Sizes are unsigned 32-bit numbers on the wire (MINA hands them over as signed ints),
 * and a client may send anything: 0xFFFFFFFF columns would be recorded as -1, and a 65535-wide
 * terminal breaks the watchers' player, so an engineer could blind them. Columns and rows are held
 * to 1..{@link #MAX_COLUMNS} and 1..{@link #MAX_ROWS} (0, "not given" in RFC 4254, becomes 80x24),
 * pixel sizes to 0..{@link #MAX_PIXELS}. Why 500x300: at 1000x1000, output full of huge-count CSI
 * sequences stalled the player in Chromium; at 500x300 it keeps up.
 */
public record PtyRequest(
    String term, int columns, int rows, int width, int height, Map<PtyMode, Integer> modes) {
  public static final int MAX_COLUMNS = 500;
  public static final int MAX_ROWS = 300;
  public static final int MAX_PIXELS = 65535;

  public PtyRequest {
    modes = Map.copyOf(modes);
    columns = bounded(columns, MAX_COLUMNS, 80);
    rows = bounded(rows, MAX_ROWS, 24);
    width = bounded(width, MAX_PIXELS, 0);
    height = bounded(height, MAX_PIXELS, 0);
  }

  /** The same terminal after a window change. */
  public PtyRequest resized(int newColumns, int newRows, int newWidth, int newHeight) {
    return new PtyRequest(term, newColumns, newRows, newWidth, newHeight, modes);
  }

  /** {@code unsigned} (a uint32 from the wire) held to 1..max; 0 means not given. */
  private static int bounded(int unsigned, int max, int whenZero) {
    long value = Integer.toUnsignedLong(unsigned);
    return value == 0 ? whenZero : (int) Math.min(value, max);
  }
}
