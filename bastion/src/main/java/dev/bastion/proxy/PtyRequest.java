package dev.bastion.proxy;

import java.util.Map;
import org.apache.sshd.common.channel.PtyMode;

/** The terminal the client asked for, forwarded to the target as it is. */
public record PtyRequest(
    String term, int columns, int rows, int width, int height, Map<PtyMode, Integer> modes) {
  public PtyRequest {
    modes = Map.copyOf(modes);
  }

  /** The same terminal after a window change. */
  public PtyRequest resized(int newColumns, int newRows, int newWidth, int newHeight) {
    return new PtyRequest(term, newColumns, newRows, newWidth, newHeight, modes);
  }
}
