package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeSpansTest {
  @Test
  void parsesSshKeygenStyleDurations() {
    assertEquals(Duration.ofHours(8), TimeSpans.parse("8h"));
    assertEquals(Duration.ofDays(364), TimeSpans.parse("52w"));
    assertEquals(Duration.ofMinutes(90), TimeSpans.parse("1h30m"));
    assertEquals(Duration.ofSeconds(45), TimeSpans.parse("45"));
    assertEquals(Duration.ofDays(2), TimeSpans.parse("2d"));
  }

  @Test
  void rejectsWhatIsNotADurationWithAnExample() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TimeSpans.parse("8 hours"));
    assertTrue(e.getMessage().contains("use e.g."), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TimeSpans.parse("0h"));
    assertThrows(IllegalArgumentException.class, () -> TimeSpans.parse("h"));
  }

  @Test
  void describesLengthsOfTimeReadably() {
    assertEquals("5 minutes", TimeSpans.describe(Duration.ofMinutes(5).plusSeconds(7)));
    assertEquals("45 seconds", TimeSpans.describe(Duration.ofSeconds(45)));
    assertEquals("3 hours", TimeSpans.describe(Duration.ofHours(3)));
    assertEquals("30 hours", TimeSpans.describe(Duration.ofHours(30)));
    assertEquals("3 days", TimeSpans.describe(Duration.ofDays(3).plusHours(5)));
  }
}
