package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Text told from binary a word at a time finds the same first non-text byte as byte by byte. */
class AsciiWordsTest {
  @Test
  void everyByteValueAtEveryPlaceInAWordIsJudgedAsByteByByte() {
    for (int value = 0; value < 256; value++) {
      for (int place = 0; place < 8; place++) {
        byte[] word = "abcdefgh".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        word[place] = (byte) value;
        boolean printable = value >= 0x20 && value < 0x80;
        assertEquals(
            printable, AsciiWords.printable(AsciiWords.word(word, 0)), value + "@" + place);
      }
    }
  }

  @Test
  void whereTextEndsIsTheSameAsAByteByByteScanForMixedOutput() {
    Random random = new Random(14);
    byte[] alphabet =
        "ab \t\r\n\u001b[1m\u00e9\u20ac\u00ff\u0000\u007f\"\\"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] data = new byte[random.nextInt(40)];
      for (int i = 0; i < data.length; i++) {
        data[i] =
            random.nextInt(4) == 0
                ? (byte) random.nextInt(256)
                : alphabet[random.nextInt(alphabet.length)];
      }
      int offset = data.length == 0 ? 0 : random.nextInt(data.length);
      assertEquals(byteByByte(data, offset), BinaryRun.textEnd(data, offset, data.length));
    }
  }

  /** The scan as it was before words: printable ASCII and the terminal controls, valid UTF-8. */
  private static int byteByByte(byte[] b, int offset) {
    int i = offset;
    while (i < b.length) {
      int v = b[i] & 0xFF;
      if (v < 0x80) {
        boolean text = v >= 0x20 || (v >= 0x07 && v <= 0x0D) || v == 0x1B;
        if (!text) {
          return i;
        }
        i++;
        continue;
      }
      int need = JsonUtf8.sequenceLength(b[i]);
      if (need == 0) {
        return i;
      }
      if (i + need > b.length) {
        int have = b.length - i;
        for (int k = i + 1; k < b.length; k++) {
          if ((b[k] & 0xC0) != 0x80) {
            return i;
          }
        }
        return have >= 2 && !JsonUtf8.validPrefix(b, i, have) ? i : b.length;
      }
      if (!JsonUtf8.validSequence(b, i, need)) {
        return i;
      }
      i += need;
    }
    return b.length;
  }
}
