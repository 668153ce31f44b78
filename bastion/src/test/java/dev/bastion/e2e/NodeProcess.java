package dev.bastion.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One bastion node as its own JVM, started as an operator does ({@code bastion serve --config FILE
 * --data-dir DIR}) from this test's class path, so that a test can kill it with {@code kill -9} and
 * start it again. Its stdout and stderr go to {@code NAME.log} beside its configuration.
 */
public final class NodeProcess implements AutoCloseable {
  private static final Duration START_LIMIT = Duration.ofMinutes(3);

  public final String name;
  public final Path config;
  public final Path dataDir;
  public final int sshPort;
  public final int webPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  public NodeProcess(String name, Path config, Path dataDir, int sshPort, int webPort) {
    this.name = name;
    this.config = config;
    this.dataDir = dataDir;
    this.sshPort = sshPort;
    this.webPort = webPort;
  }

  /** Starts the node and waits until its {@code /readyz} answers 200. */
  public NodeProcess start() throws IOException, InterruptedException {
    Path log = config.resolveSibling(name + ".log");
    process = launch(config, dataDir, log);
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (!ready()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly().waitFor();
        throw new AssertionError(
            name + " did not become ready; its log:\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    return this;
  }

  /**
   * {@code bastion serve --config CONFIG --data-dir DATA_DIR} in a JVM of its own (this test run's
   * classes), its output appended to {@code log}.
   */
  static Process launch(Path config, Path dataDir, Path log) throws IOException {
    return new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.bastion.Main",
                "serve",
                "--config",
                config.toString(),
                "--data-dir",
                dataDir.toString()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /** Whether {@code /readyz} answers 200 now. */
  public boolean ready() throws InterruptedException {
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/readyz"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return answer.statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  /** {@code kill -9}: the node stops at once, ending nothing and sealing nothing. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, as systemd stops it; forcibly after 60 s. */
  @Override
  public void close() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
