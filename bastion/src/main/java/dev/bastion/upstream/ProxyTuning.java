package dev.bastion.upstream;

/** Channel window sizes for both legs, measured in docs/BENCHMARKS.md. */
public final class ProxyTuning {
  /** Window per channel: about the pump buffer size; larger buys nothing on a LAN, smaller halves throughput. */
  public static final int WINDOW_SIZE = 256 * 1024;

  private ProxyTuning() {}
}
