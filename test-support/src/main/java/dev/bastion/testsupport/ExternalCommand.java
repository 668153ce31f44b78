package dev.bastion.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real program (ssh, ssh-keygen, ...) with a deadline, capturing its output. */
public final class ExternalCommand {
  private final List<String> command = new ArrayList<>();
  private final Map<String, String> environment = new HashMap<>();
  private Duration timeout = Duration.ofSeconds(60);
  private byte[] stdin = new byte[0];
  private Path directory;

  private ExternalCommand(List<String> command) {
    this.command.addAll(command);
  }

  public static ExternalCommand of(String... command) {
    return new ExternalCommand(List.of(command));
  }

  public static ExternalCommand of(List<String> command) {
    return new ExternalCommand(command);
  }

  public ExternalCommand env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  public ExternalCommand timeout(Duration limit) {
    this.timeout = limit;
    return this;
  }

  public ExternalCommand stdin(String text) {
    this.stdin = text.getBytes(StandardCharsets.UTF_8);
    return this;
  }

  public ExternalCommand in(Path dir) {
    this.directory = dir;
    return this;
  }

  public CommandResult run() {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("TZ", "UTC");
    builder.environment().put("LC_ALL", "C");
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    try {
      Process process = builder.start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread outPump = pump(process.getInputStream(), out);
      Thread errPump = pump(process.getErrorStream(), err);
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      } catch (IOException ignored) {
        // the program did not read its input; that is its business
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
      }
      outPump.join();
      errPump.join();
      return new CommandResult(
          List.copyOf(command),
          process.exitValue(),
          out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    }
  }

  private static Thread pump(InputStream from, ByteArrayOutputStream to) {
    Thread thread =
        new Thread(
            () -> {
              try (from) {
                from.transferTo(to);
              } catch (IOException ignored) {
                // the process ended; what was read is kept
              }
            },
            "command-output");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Whether an executable exists at this absolute path or on the PATH. */
  public static boolean available(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
