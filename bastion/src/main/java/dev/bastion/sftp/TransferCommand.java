package dev.bastion.sftp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A file transfer run as an exec command, as clients send it: legacy scp ({@code scp -t}/{@code
 * -f}), {@code rsync --server}, git's {@code git-upload-pack}, {@code git-receive-pack} and {@code
 * git-upload-archive} (with a path, quoted or not, or a leading {@code sudo}). Only a command that
 * is that program and nothing else counts: anything the target's shell would read as more than
 * plain words ({@code ;}, {@code |}, {@code $}, redirections, backquotes) makes it an ordinary
 * command, recorded as such.
 *
 * @param direction {@code write} when files go to the target, {@code read} when they come from it
 */
public record TransferCommand(String tool, String direction) {
  private static final String SHELL_SPECIAL = ";&|<>()$`";

  /** The transfer this command line runs, if it is one. */
  public static Optional<TransferCommand> of(String commandLine) {
    if (commandLine == null) {
      return Optional.empty();
    }
    List<String> words = words(commandLine);
    if (words == null || words.isEmpty()) {
      return Optional.empty();
    }
    int at = 0;
    if (program(words.get(0)).equals("sudo")) {
      at = words.size() > 1 && words.get(1).equals("-n") ? 2 : 1;
    }
    if (at >= words.size()) {
      return Optional.empty();
    }
    String program = program(words.get(at));
    List<String> args = words.subList(at + 1, words.size());
    if (program.equals("git") && !args.isEmpty()) {
      program = "git-" + args.get(0);
      args = args.subList(1, args.size());
    }
    return Optional.ofNullable(
        switch (program) {
          case "scp" ->
              args.contains("-t")
                  ? new TransferCommand("scp", "write")
                  : args.contains("-f") ? new TransferCommand("scp", "read") : null;
          case "rsync" ->
              args.contains("--server")
                  ? new TransferCommand("rsync", args.contains("--sender") ? "read" : "write")
                  : null;
          case "git-receive-pack" -> new TransferCommand("git", "write");
          case "git-upload-pack", "git-upload-archive" -> new TransferCommand("git", "read");
          default -> null;
        });
  }

  private static String program(String word) {
    return word.substring(word.lastIndexOf('/') + 1);
  }

  /**
   * The words of a command line as a POSIX shell splits them, with single and double quotes and
   * backslashes; null when it holds anything but plain words.
   */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == ' ') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        continue;
      }
      if (word == null) {
        word = new StringBuilder();
      }
      if (c == '\'') {
        int close = line.indexOf('\'', i + 1);
        if (close < 0) {
          return null;
        }
        word.append(line, i + 1, close);
        i = close;
      } else if (c == '"') {
        int close = line.indexOf('"', i + 1);
        String inside = close < 0 ? null : line.substring(i + 1, close);
        if (inside == null
            || inside.contains("$")
            || inside.contains("`")
            || inside.contains("\\")) {
          return null;
        }
        word.append(inside);
        i = close;
      } else if (c == '\\') {
        if (i + 1 >= line.length() || line.charAt(i + 1) == '\n') {
          return null;
        }
        word.append(line.charAt(++i));
      } else if (SHELL_SPECIAL.indexOf(c) >= 0 || c < 0x20) {
        return null;
      } else {
        word.append(c);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
