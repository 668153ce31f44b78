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
    run("cert", "issue", "--data-dir", data.toString(), "--key", OpenSsh.pub(key).toString(),
            "--identity", "alice", "--principals", "ops")
        .orThrow();
    CommandResult inspect = run("cert", "inspect", "--data-dir", data.toString(), OpenSsh.cert(key).toString()).orThrow();
    assertTrue(inspect.stdout().contains("Signature: valid"), inspect.toString());

    CommandResult bad = run("cert", "inspect", "--data-dir", data.toString(), dir.resolve("missing").toString());
    assertEquals(1, bad.exitCode());
    assertEquals("bastion: " + dir.resolve("missing") + " does not exist", bad.stderr().strip());
  }

  private CommandResult run(String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(WRAPPER.toString());
    cmd.addAll(java.util.List.of(args));
    return ExternalCommand.of(cmd).run();
  }
}
