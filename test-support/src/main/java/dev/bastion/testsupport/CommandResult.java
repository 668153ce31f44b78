package dev.bastion.testsupport;

import java.util.List;

/** What an external command did: exit code and everything it printed. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Throws with the full output unless the command exited 0. */
  public CommandResult orThrow() {
    if (exitCode != 0) {
      throw new AssertionError(this.toString());
    }
    return this;
  }

  @Override
  public String toString() {
    return String.join(" ", command)
        + "\n  exit "
        + exitCode
        + "\n  stdout: "
        + stdout.strip()
        + "\n  stderr: "
        + stderr.strip();
  }
}
