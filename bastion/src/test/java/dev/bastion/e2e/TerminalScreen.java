package dev.bastion.e2e;

import dev.bastion.testsupport.ExternalCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A program running in a real terminal (tmux, detached), read and typed into as a person would. */
public final class TerminalScreen implements AutoCloseable {
  private final String socket;

  private TerminalScreen(String socket) {
    this.socket = socket;
  }

  /** Runs {@code command} (one shell line) in a new 120x40 tmux session on its own socket. */
  public static TerminalScreen start(Path dir, List<String> command) {
    if (!ExternalCommand.available("tmux")) {
      throw new AssertionError("tmux is needed for terminal tests; .ci/run installs it");
    }
    String socket = dir.resolve("tmux-" + System.nanoTime() + ".sock").toString();
    List<String> start =
        new ArrayList<>(
            List.of("tmux", "-S", socket, "new-session", "-d", "-x", "120", "-y", "40"));
    start.add(String.join(" ", command));
    ExternalCommand.of(start).run().orThrow();
    return new TerminalScreen(socket);
  }

  /** The screen (joined wrapped lines), once it shows {@code text}; within {@code seconds}. */
  public String await(String text, int seconds) throws InterruptedException {
    String screen = "";
    for (int i = 0; i < seconds * 10; i++) {
      screen =
          ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p", "-J", "-S", "-200")
              .run()
              .stdout();
      if (screen.contains(text)) {
        return screen;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("screen never showed '" + text + "':\n" + screen);
  }

  /** Types {@code line} and Enter. */
  public void type(String line) {
    ExternalCommand.of("tmux", "-S", socket, "send-keys", line, "Enter").run().orThrow();
  }

  @Override
  public void close() {
    ExternalCommand.of("tmux", "-S", socket, "kill-server").run();
  }
}
