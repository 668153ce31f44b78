package dev.bastion.sftp;

import java.util.function.BiConsumer;

/**
 * Cuts one direction of an SFTP stream into packets without holding their data: it keeps the first
 * {@link #PREFIX} bytes of each packet (type, request id, paths, lengths) and skips the rest, so a
 * 256 KiB write costs no more memory than a 20-byte one.
 */
final class SftpPacketReader {
  static final int PREFIX = 16 * 1024;

  private final BiConsumer<byte[], Integer> onPacket;
  private final byte[] lengthBytes = new byte[4];
  private int lengthHave;
  private long remaining = -1;
  private byte[] prefix = new byte[PREFIX];
  private int prefixHave;
  private int prefixWant;

  /** {@code onPacket} gets the packet's first bytes (type first) and how many there are. */
  SftpPacketReader(BiConsumer<byte[], Integer> onPacket) {
    this.onPacket = onPacket;
  }

  void feed(byte[] data, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      if (remaining < 0) {
        lengthBytes[lengthHave++] = data[i++];
        if (lengthHave == 4) {
          remaining =
              ((lengthBytes[0] & 0xFFL) << 24)
                  | ((lengthBytes[1] & 0xFFL) << 16)
                  | ((lengthBytes[2] & 0xFFL) << 8)
                  | (lengthBytes[3] & 0xFFL);
          lengthHave = 0;
          prefixHave = 0;
          prefixWant = (int) Math.min(remaining, PREFIX);
          if (remaining == 0) {
            remaining = -1;
          }
        }
        continue;
      }
      int take = (int) Math.min(end - i, remaining);
      int toPrefix = Math.min(take, prefixWant - prefixHave);
      if (toPrefix > 0) {
        System.arraycopy(data, i, prefix, prefixHave, toPrefix);
        prefixHave += toPrefix;
      }
      i += take;
      remaining -= take;
      if (remaining == 0) {
        onPacket.accept(prefix, prefixHave);
        remaining = -1;
      }
    }
  }
}
