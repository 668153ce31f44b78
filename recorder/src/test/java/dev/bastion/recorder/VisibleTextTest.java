package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VisibleTextTest {
  @Test
  void aForgedLogLineStaysOnOneLine() {
    String name = "x\n2026-11-30T01:00:00Z INFO login accepted: root@example.com";
    String shown = VisibleText.escape(name);
    assertFalse(shown.contains("\n"));
    assertEquals("x\\n2026-11-30T01:00:00Z INFO login accepted: root@example.com", shown);
  }

  @Test
  void terminalEscapesBecomeVisible() {
    assertEquals("\\e]52;c;aGk=\\x07\\e[2J", VisibleText.escape("\u001b]52;c;aGk=\u0007\u001b[2J"));
    assertEquals("a\\x9bb\\u202ec\\x7f", VisibleText.escape("a\u009bb\u202ec\u007f"));
    assertEquals("tab\\there\\r", VisibleText.escape("tab\there\r"));
  }

  @Test
  void plainTextIsUntouched() {
    String text = "alice@example.com Zoë 日本 \\ \"quoted\"";
    assertEquals(text, VisibleText.escape(text));
    assertFalse(VisibleText.hasControl(text));
    assertTrue(VisibleText.hasControl("a\u0000"));
    assertNull(VisibleText.escape(null));
  }

  @Test
  void longTextIsCutWithAVisibleMarker() {
    String cut = VisibleText.bound("a".repeat(200_000), 10);
    assertEquals("aaaaaaaaaa…[+199990 chars]", cut);
    assertEquals("short", VisibleText.bound("short", 10));
  }

  @Test
  void fitStaysWithinTheBoundAndNeverSplitsAnEscape() {
    String fitted = VisibleText.fit("\u001b".repeat(5000), 1024);
    assertTrue(fitted.length() <= 1024, "length " + fitted.length());
    assertTrue(fitted.matches("(\\\\e)+…\\[\\+\\d+ chars]"), fitted);
    String mixed = VisibleText.fit("ab\u0001".repeat(1000), 100);
    assertTrue(mixed.length() <= 100);
    assertTrue(mixed.matches("(ab\\\\x01)*(ab?)?…\\[\\+\\d+ chars]"), mixed);
    assertEquals("ok", VisibleText.fit("ok", 3));
  }

  @Test
  void cutKeepsTheTextFaithfulWithinTheBound() {
    String cut = VisibleText.cut("\u001b" + "a".repeat(2000), 1024);
    assertTrue(cut.length() <= 1024, "length " + cut.length());
    assertTrue(cut.startsWith("\u001baaa"));
    assertTrue(cut.endsWith("…[+" + (2001 - cut.indexOf('…')) + " chars]"), cut);
    assertEquals("as is\n", VisibleText.cut("as is\n", 10));
  }

  @Test
  void surrogatePairsAreNotSplit() {
    String text = "a" + "😀".repeat(10);
    String cut = VisibleText.bound(text, 2);
    assertEquals("a…[+20 chars]", cut);
  }
}
