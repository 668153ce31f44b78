package dev.bastion.ssh;

/**
 * Channel window size for both legs (measured in docs/BENCHMARKS.md: 2 MiB beat 256 KiB and 1 MiB
 * on loopback). The window bounds what a channel may buffer, so a session holds at most about one
 * window per direction plus one pump buffer per stream, however slow its reader. {@code
 * -Dbastion.window=BYTES} overrides it for experiments.
 */
public final class ProxyTuning {
  public static final int WINDOW_SIZE = Integer.getInteger("bastion.window", 2 * 1024 * 1024);

  private ProxyTuning() {}
}
