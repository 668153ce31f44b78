package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentLinesTest {
  private static void add(RecentLines recent, String line) {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    recent.add(bytes, 0, bytes.length);
  }

  private static List<String> text(RecentLines recent) {
    return recent.lines().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void keepsEveryLineWhileTheyFit() {
    RecentLines recent = new RecentLines(100);
    add(recent, "one");
    add(recent, "two");
    assertEquals(List.of("one", "two"), text(recent));
  }

  @Test
  void keepsOnlyTheLatestWholeLinesOnceFull() {
    RecentLines recent = new RecentLines(20);
    for (int i = 0; i < 10; i++) {
      add(recent, "line " + i); // 7 bytes each with the newline
    }
    // The last 20 bytes hold the end of "line 7", then lines 8 and 9 whole.
    assertEquals(List.of("line 8", "line 9"), text(recent));
  }

  @Test
  void growsFromSmallToItsLimit() {
    RecentLines recent = new RecentLines(64 * 1024);
    for (int i = 100; i < 200; i++) {
      add(recent, i + "x".repeat(1020)); // 1024 bytes with the newline
    }
    List<String> lines = text(recent);
    // 64 KiB hold 64 lines; the oldest may have lost its start, and only whole lines count.
    assertEquals(63, lines.size());
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(137 + i + "x".repeat(1020), lines.get(i));
    }
  }

  @Test
  void aLineLargerThanTheLimitLeavesNothingToShow() {
    RecentLines recent = new RecentLines(16);
    add(recent, "short");
    add(recent, "a line much longer than the limit");
    assertEquals(List.of(), text(recent));
    add(recent, "next");
    assertEquals(List.of("next"), text(recent));
  }
}
