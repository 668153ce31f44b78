package dev.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlayCommandTest {
  @TempDir Path dir;

  @Test
  void playWritesTheOutputEventsInOrderAndSkipsTheRest() throws Exception {
    Path cast = dir.resolve("s.cast");
    Files.writeString(
        cast,
        String.join(
            "\n",
            "{\"version\": 2, \"width\": 80, \"height\": 24, \"title\": \"alice: deploy@web01\"}",
            "[0.1, \"o\", \"$ ls\\r\\n\"]",
            "[0.2, \"r\", \"100x30\"]",
            "[0.3, \"i\", \"secret\"]",
            "[5.0, \"o\", \"gr\\u00fc\\u00dfe \\u001b[31mred\\u001b[0m\\r\\n\"]",
            "[5.1, \"m\", \"session ended by the bastion\"]",
            ""));
    CliRun run =
        CliRun.of(dir, "play", cast.toString(), "--speed", "10", "--idle-limit", "0.05").ok();
    assertEquals("$ ls\r\ngrüße \u001b[31mred\u001b[0m\r\n", run.stdout());
    assertTrue(run.stderr().contains("playing alice: deploy@web01 (80x24)"), run.stderr());
  }

  @Test
  void playingAnUnknownSessionSaysSo() {
    CliRun run = CliRun.of(dir, "play", "0123456789abcdef0123456789abcdef");
    assertEquals(1, run.exitCode());
    assertTrue(
        run.stderr()
            .startsWith(
                "bastion: 0123456789abcdef0123456789abcdef is neither a file nor a session"),
        run.stderr());
  }
}
