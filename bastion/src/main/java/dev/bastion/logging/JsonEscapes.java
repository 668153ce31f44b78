package dev.bastion.logging;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.bastion.recorder.VisibleText;

/**
 * JSON escapes for text that may land on a terminal or in a log shipper: besides what JSON requires
 * (C0 controls), DEL, C1 controls (U+009B is a CSI to some terminals), bidirectional embeddings,
 * overrides and isolates and the Unicode line separators are written as {@code \\uXXXX} (upper-case
 * hex, as Jackson writes C0 controls), so stored text can neither drive the terminal of someone
 * piping {@code --json} to it nor break a JSON line. Used by the command line's {@code --json} and
 * the JSON audit stream.
 */
public final class JsonEscapes extends CharacterEscapes {
  private final int[] ascii = standardAsciiEscapesForJSON();

  public JsonEscapes() {
    ascii[0x7f] = ESCAPE_STANDARD;
  }

  @Override
  public int[] getEscapeCodesForAscii() {
    return ascii;
  }

  @Override
  public SerializableString getEscapeSequence(int ch) {
    if (VisibleText.hasControl(String.valueOf((char) ch))) {
      return new SerializedString(String.format("\\u%04X", ch));
    }
    return null;
  }
}
