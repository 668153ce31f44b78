package dev.bastion.recorder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Terminal output read eight bytes at a time: whether a word is all printable ASCII, so telling
 * text from binary steps over plain text a word at a time and looks at single bytes only where a
 * word holds something else (a line end, UTF-8, binary). The test may say "no" for a word that is
 * plain (the caller then looks byte by byte), never "yes" for one that is not. The same for JSON
 * escaping gained nothing when measured (docs/BENCHMARKS.md, issue 14): its cost is the copy.
 */
final class AsciiWords {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH = 0x8080808080808080L;
  private static final long SPACES = 0x20 * ONES;

  private AsciiWords() {}

  /** The eight bytes from {@code at} (there must be eight). */
  static long word(byte[] bytes, int at) {
    return (long) LONGS.get(bytes, at);
  }

  /** Whether all eight bytes are 0x20..0x7f: no control byte, nothing outside ASCII. */
  static boolean printable(long word) {
    return ((word | ((word - SPACES) & ~word)) & HIGH) == 0;
  }
}
