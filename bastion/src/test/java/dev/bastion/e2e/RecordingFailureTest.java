package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditReader;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up mid-session: strict mode ends the session and refuses new ones; best_effort
 * goes on.
 */
class RecordingFailureTest {
  @TempDir Path dir;

  @Test
  void strictModeEndsTheSessionWhenTheDiskIsFullAndRefusesNewOnesUntilThereIsRoom()
      throws Exception {
    Path recordings = smallFilesystem(dir.resolve("data/recordings"));
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "recording:\n  mode: strict\n")) {
      CommandResult flood = gw.ssh(gw.onTarget(), null, "head -c 20000000 /dev/urandom | base64");
      assertEquals(255, flood.exitCode(), flood.stderr());
      assertTrue(
          flood.stderr().contains("bastion: the session recording cannot be written ("),
          flood.stderr());
      assertTrue(flood.stderr().contains("No space left on device"), flood.stderr());
      assertTrue(
          flood.stdout().length() < 20_000_000, "the session went on after its recording failed");

      CommandResult refused = gw.ssh(gw.onTarget(), null, "echo should-not-run");
      assertEquals(1, refused.exitCode(), refused.toString());
      assertTrue(
          refused.stderr().startsWith("bastion: the session cannot be recorded ("),
          refused.stderr());
      assertTrue(!refused.stdout().contains("should-not-run"));

      awaitEvent(gw, "recording_failed");
      try (Stream<Path> files = Files.walk(recordings)) {
        for (Path cast : files.filter(dev.bastion.recorder.RecordingFormat::isRecording).toList()) {
          Files.delete(cast);
        }
      }
      CommandResult again = gw.ssh(gw.onTarget(), null, "echo room-again");
      assertEquals(0, again.exitCode(), again.toString());
      assertEquals("room-again", again.stdout().strip());
    } finally {
      ExternalCommand.of("umount", "-l", recordings.toString()).run();
    }
  }

  @Test
  void bestEffortModeKeepsTheSessionRunningAndLogsTheFailure() throws Exception {
    Path recordings = smallFilesystem(dir.resolve("data/recordings"));
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "recording:\n  mode: best_effort\n")) {
      CommandResult flood =
          gw.ssh(gw.onTarget(), null, "head -c 3000000 /dev/urandom | base64 -w 0 | wc -c");
      assertEquals(0, flood.exitCode(), flood.toString());
      assertEquals("4000000", flood.stdout().strip());
      CommandResult big = gw.ssh(gw.onTarget(), null, "head -c 3000000 /dev/urandom | base64 -w 0");
      assertEquals(0, big.exitCode(), big.stderr());
      assertEquals(4_000_000, big.stdout().length());
      awaitEvent(gw, "recording_failed");
    } finally {
      ExternalCommand.of("umount", "-l", recordings.toString()).run();
    }
  }

  /**
   * A 2 MiB tmpfs where the recordings go; needs root, as CI has. The floods are random (base64),
   * so that their compressed recordings still fill it.
   */
  private static Path smallFilesystem(Path at) throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "filling a disk needs a small filesystem, and mounting one needs root (CI runs as root)");
    // The bastion refuses a data directory that group or others may open.
    Files.createDirectories(
        at,
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    ExternalCommand.of("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", at.toString())
        .run()
        .orThrow();
    return at;
  }

  private static void awaitEvent(GatewayFixture gw, String kind) throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 100; i++) {
      if (reader.events(null, null, 1000).stream().anyMatch(e -> e.kind().code().equals(kind))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + kind + " event: " + reader.events(null, null, 30));
  }
}
