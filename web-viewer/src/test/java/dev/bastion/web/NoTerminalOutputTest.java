package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Output of a session without a terminal, as the engineer's terminal showed it. */
class NoTerminalOutputTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String shown(String event) {
    return new String(NoTerminalOutput.asShown(bytes(event)), StandardCharsets.UTF_8);
  }

  @Test
  void onlyAHeaderSayingNoPtyApplies() {
    assertTrue(NoTerminalOutput.applies(bytes("{\"version\": 2, \"width\": 80, \"pty\": false}")));
    assertFalse(NoTerminalOutput.applies(bytes("{\"version\": 2, \"width\": 80, \"pty\": true}")));
    assertFalse(NoTerminalOutput.applies(bytes("{\"version\": 2, \"width\": 80}")));
    assertFalse(NoTerminalOutput.applies(bytes("[0.5, \"o\", \"x\"]")));
    assertFalse(NoTerminalOutput.applies(bytes("not json")));
  }

  @Test
  void bareLineFeedsOfOutputBecomeCrLf() {
    assertEquals(
        "[0.123456, \"o\", \"one\\r\\ntwo\\r\\nthree\\r\\n\"]",
        shown("[0.123456, \"o\", \"one\\ntwo\\nthree\\n\"]"));
  }

  @Test
  void crLfEscapedBackslashesAndUnicodeEscapesStayAsTheyAre() {
    assertEquals(
        "[1.0, \"o\", \"a\\r\\nb\\\\n\\u001b[0m\\r\\n\\\\\\r\\n\"]",
        shown("[1.0, \"o\", \"a\\r\\nb\\\\n\\u001b[0m\\n\\\\\\n\"]"));
  }

  @Test
  void otherEventsAndOutputWithoutBareLineFeedsAreTheSameArray() {
    for (String event :
        new String[] {
          "[1.0, \"m\", \"viewer bob joined\\n\"]",
          "[1.0, \"i\", \"ls\\n\"]",
          "[1.0, \"r\", \"100x30\"]",
          "[1.0, \"o\", \"no line feed\"]",
          "[1.0, \"o\", \"already\\r\\n\"]"
        }) {
      byte[] line = bytes(event);
      assertSame(line, NoTerminalOutput.asShown(line), event);
    }
  }
}
