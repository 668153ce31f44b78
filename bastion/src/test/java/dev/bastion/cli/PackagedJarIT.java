package dev.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar, run through the bin/bastion wrapper as a user would, works on its own. */
class PackagedJarIT {
  static final Path WRAPPER = Path.of("..", "bin", "bastion").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void wrapperRunsTheJarForTheCaAndCertificateCommands() {
    assertTrue(Files.exists(Path.of("target", "bastion.jar")), "bastion.jar was not built");
    Path data = dir.resolve("data");
    CommandResult init = run("ca", "init", "--data-dir", data.toString()).orThrow();
    assertTrue(init.stdout().contains("user CA      created"), init.toString());
    assertTrue(init.stderr().isBlank(), "no log noise on a successful command: " + init.stderr());

    Path key = OpenSsh.keygen(dir, "id_ed25519");
    run(
            "cert",
            "issue",
            "--data-dir",
            data.toString(),
            "--key",
            OpenSsh.pub(key).toString(),
            "--identity",
            "alice",
            "--principals",
            "ops")
        .orThrow();
    CommandResult inspect =
        run("cert", "inspect", "--data-dir", data.toString(), OpenSsh.cert(key).toString())
            .orThrow();
    assertTrue(inspect.stdout().contains("Signature: valid"), inspect.toString());

    CommandResult bad =
        run("cert", "inspect", "--data-dir", data.toString(), dir.resolve("missing").toString());
    assertEquals(1, bad.exitCode());
    assertEquals("bastion: " + dir.resolve("missing") + " does not exist", bad.stderr().strip());
  }

  @Test
  void wrapperAlwaysRunsJavaWithExitOnOutOfMemoryErrorAndHonoursJavaOpts() {
    // A JVM that ran out of memory must exit so that its supervisor restarts it (issue 11, #3);
    // JAVA_OPTS is passed on (here it makes the JVM print its final flag values).
    CommandResult run =
        ExternalCommand.of(WRAPPER.toString(), "--version")
            .env("JAVA_OPTS", "-XX:+PrintFlagsFinal -Xmx96m")
            .run()
            .orThrow();
    assertTrue(
        run.stdout()
            .lines()
            .anyMatch(l -> l.matches("\\s*bool ExitOnOutOfMemoryError\\s+= true.*")),
        run.stdout().lines().filter(l -> l.contains("OutOfMemory")).toList().toString());
    assertTrue(
        run.stdout().lines().anyMatch(l -> l.matches("\\s*size_t MaxHeapSize\\s+= 100663296.*")),
        "JAVA_OPTS -Xmx96m was not passed on");
  }

  @Test
  void demoPrintsAnSshLineThatWorksAndStopsCleanlyOnSigterm() throws Exception {
    Path data = dir.resolve("demo-data");
    int port = dev.bastion.testsupport.OpenSshServer.freePort();
    Process demo =
        new ProcessBuilder(
                WRAPPER.toString(),
                "demo",
                "--data-dir",
                data.toString(),
                "--listen",
                "127.0.0.1:" + port,
                "--web-listen",
                "127.0.0.1:" + dev.bastion.testsupport.OpenSshServer.freePort())
            .redirectError(dir.resolve("demo.err").toFile())
            .start();
    try {
      java.io.BufferedReader out =
          new java.io.BufferedReader(new java.io.InputStreamReader(demo.getInputStream()));
      String line;
      String sshLine = null;
      while ((line = out.readLine()) != null) {
        if (line.strip().startsWith("ssh -p " + port)) {
          sshLine = line.strip();
          break;
        }
      }
      assertTrue(
          sshLine != null,
          "demo printed no ssh line; stderr: "
              + java.nio.file.Files.readString(dir.resolve("demo.err")));
      java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(sshLine.split(" ")));
      cmd.addAll(1, java.util.List.of("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"));
      cmd.add("echo demo-ok; exit 3");
      CommandResult result = ExternalCommand.of(cmd).run();
      assertEquals(3, result.exitCode(), result.toString());
      assertEquals("demo-ok", result.stdout().strip());
    } finally {
      demo.destroy();
      assertTrue(
          demo.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "demo did not stop on SIGTERM");
    }
    CommandResult sessions = run("sessions", "--data-dir", data.toString(), "--json").orThrow();
    assertTrue(sessions.stdout().contains("\"exit_status\" : 3"), sessions.stdout());
  }

  @Test
  void sessionsLeftOpenByAKilledBastionAreMarkedInterruptedAtTheNextStart() throws Exception {
    Path data = dir.resolve("kill-data");
    int port = dev.bastion.testsupport.OpenSshServer.freePort();
    Process demo = startDemo(data, port);
    Path key = data.resolve("demo/id_ed25519");
    java.util.List<String> cmd =
        new java.util.ArrayList<>(java.util.List.of("ssh", "-p", Integer.toString(port)));
    cmd.addAll(OpenSsh.clientOptions(key, data.resolve("demo/known_hosts")));
    cmd.addAll(java.util.List.of("demo@demo@127.0.0.1", "echo started; sleep 60"));
    Process ssh = new ProcessBuilder(cmd).start();
    assertEquals("started\n", new String(ssh.getInputStream().readNBytes(8)));
    ExternalCommand.of("kill", "-9", Long.toString(demo.pid())).run().orThrow();
    demo.waitFor();
    ssh.destroyForcibly();

    // The killed process left a compressed recording, unsealed, whose prefix reads as asciicast.
    Path cast = onlyRecording(data);
    assertTrue(cast.getFileName().toString().endsWith(".cast.zst"), cast.toString());
    assertTrue(!Files.exists(dev.bastion.recorder.Seal.sealFileOf(cast)), "sealed before restart");
    assertTrue(plainLines(cast).get(0).startsWith("{\"version\":2"), plainLines(cast).toString());

    Process again = startDemo(data, port);
    again.destroy();
    assertTrue(again.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
    CommandResult sessions = run("sessions", "--data-dir", data.toString(), "--json").orThrow();
    assertTrue(sessions.stdout().contains("\"state\" : \"interrupted\""), sessions.stdout());
    CommandResult audit = run("audit", "--data-dir", data.toString()).orThrow();
    assertTrue(audit.stdout().contains("session_interrupted"), audit.stdout());

    // The recording is valid asciicast up to its last flush, sealed as interrupted, and verifies.
    CommandResult verify = run("recordings", "verify", "--data-dir", data.toString());
    assertEquals(0, verify.exitCode(), verify.toString());
    assertTrue(verify.stdout().startsWith("ok      "), verify.stdout());
    assertEquals(cast, onlyRecording(data));
    java.util.List<String> lines = plainLines(cast);
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : lines) {
      json.readTree(line); // every line parses
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("started")), String.join("\n", lines));
    // rewritten as a complete zstd stream, which a plain decoder (zstdcat) reads to the end
    try (var whole = new com.github.luben.zstd.ZstdInputStream(Files.newInputStream(cast))) {
      assertEquals(String.join("\n", lines) + "\n", new String(whole.readAllBytes()));
    }
    assertTrue(
        java.nio.file.Files.readString(dev.bastion.recorder.Seal.sealFileOf(cast))
            .contains("\"interrupted\" : true"));
  }

  @Test
  void serveRefusesToStartWhenTheZstdLibraryCannotBeLoaded() {
    // zstd-jni unpacks its native library into the temporary directory; here it cannot.
    CommandResult serve =
        ExternalCommand.of(WRAPPER.toString(), "serve", "--data-dir", dir.resolve("d").toString())
            .env("JAVA_OPTS", "-Djava.io.tmpdir=" + dir.resolve("no-such-dir"))
            .run();
    assertEquals(1, serve.exitCode(), serve.toString());
    java.util.List<String> said = serve.stderr().strip().lines().toList();
    assertEquals(1, said.size(), serve.stderr());
    assertTrue(
        said.get(0).startsWith("bastion: recording.compression: zstd cannot be used: the zstd"),
        serve.stderr());
  }

  private static Path onlyRecording(Path data) throws java.io.IOException {
    try (var files = Files.walk(data.resolve("recordings"))) {
      java.util.List<Path> found =
          files.filter(dev.bastion.recorder.RecordingFormat::isRecording).toList();
      assertEquals(1, found.size(), found.toString());
      return found.get(0);
    }
  }

  private static java.util.List<String> plainLines(Path cast) throws java.io.IOException {
    return new String(dev.bastion.recorder.RecordingFormat.readPlain(cast)).lines().toList();
  }

  private Process startDemo(Path data, int port) throws Exception {
    Process demo =
        new ProcessBuilder(
                WRAPPER.toString(),
                "demo",
                "--data-dir",
                data.toString(),
                "--listen",
                "127.0.0.1:" + port,
                "--web-listen",
                "127.0.0.1:" + dev.bastion.testsupport.OpenSshServer.freePort())
            .redirectErrorStream(true)
            .start();
    java.io.BufferedReader out =
        new java.io.BufferedReader(new java.io.InputStreamReader(demo.getInputStream()));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.contains("Ctrl-C stops the demo")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    out.transferTo(java.io.Writer.nullWriter());
                  } catch (java.io.IOException ignored) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return demo;
      }
    }
    throw new AssertionError("demo did not start");
  }

  private CommandResult run(String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(WRAPPER.toString());
    cmd.addAll(java.util.List.of(args));
    return ExternalCommand.of(cmd).run();
  }
}
