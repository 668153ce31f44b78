package dev.bastion.proxy;

import java.util.Map;
import org.apache.sshd.common.channel.PtyMode;

/** The terminal the client asked for, forwarded to the target as it is. */
public record PtyRequest(String term, int columns, int rows, int width, int height, Map<PtyMode, Integer> modes) {
  public PtyRequest {
    modes = Map.copyOf(modes);
  }
}
