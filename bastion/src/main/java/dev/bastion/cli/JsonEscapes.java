package dev.bastion.cli;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.bastion.recorder.VisibleText;

/**
 * JSON escapes for output that may land on a terminal: besides what JSON requires (C0 controls),
 * DEL, C1 controls (U+009B is a CSI to some terminals) and bidirectional overrides are written as
 * {@code \\uXXXX}, so stored text cannot drive the terminal of someone piping {@code --json} to it.
 */
final class JsonEscapes extends CharacterEscapes {
  private final int[] ascii = standardAsciiEscapesForJSON();

  JsonEscapes() {
    ascii[0x7f] = ESCAPE_STANDARD;
  }

  @Override
  public int[] getEscapeCodesForAscii() {
    return ascii;
  }

  @Override
  public SerializableString getEscapeSequence(int ch) {
    if (VisibleText.hasControl(String.valueOf((char) ch))) {
      return new SerializedString(String.format("\\u%04x", ch));
    }
    return null;
  }
}
