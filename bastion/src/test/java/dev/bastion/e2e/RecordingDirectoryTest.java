package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.BastionServer;
import dev.bastion.audit.SessionRecord;
import dev.bastion.cli.CliRun;
import dev.bastion.config.ConfigLoader;
import dev.bastion.recorder.Seal;
import dev.bastion.testsupport.CommandResult;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recording.dir}: recordings written into a directory outside the data directory (as the
 * mount several nodes share), and found there by every reader: the command line (with the
 * configuration), the web viewer; rows written before it existed still resolve; a stored path that
 * would lead out of it is refused by each.
 */
class RecordingDirectoryTest {
  @TempDir Path dir;

  @Test
  void recordingsGoToTheConfiguredDirectoryAndEveryReaderFindsThemThere() throws Exception {
    Path shared = dir.resolve("mnt/recordings");
    Files.createDirectories(shared.getParent());
    Path config = Files.writeString(dir.resolve("bastion.yaml"), "recording:\n  dir: " + shared);
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "recording:\n  dir: " + shared + "\n")) {
      SessionRecord session = recordedSession(gw, "hello-shared");
      assertTrue(session.recordingPath().startsWith("recordings/2"), session.recordingPath());
      Path file = shared.resolve(session.recordingPath().substring("recordings/".length()));
      assertTrue(Files.isRegularFile(file) && Files.exists(Seal.sealFileOf(file)), file.toString());
      assertFalse(Files.exists(gw.dataDir.resolve("recordings")), "written in the data directory");
      assertEquals(
          "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
      WebClient web = new WebClient(gw, gw.userKey);
      assertEveryReaderFinds(gw, config, web, session.id(), file, "hello-shared");

      // A row from before recording.dir (here a flat recordings/<file>), moved with its seal.
      Path flat = shared.resolve(file.getFileName());
      Files.move(file, flat);
      Files.move(Seal.sealFileOf(file), Seal.sealFileOf(flat));
      storePath(gw, session.id(), "recordings/" + flat.getFileName());
      assertEveryReaderFinds(gw, config, web, session.id(), flat, "hello-shared");

      // A stored path that would leave the directory: nobody reads what it names.
      SessionRecord other = recordedSession(gw, "second-session");
      Path outside = dir.resolve("mnt/" + other.id() + ".cast");
      Files.writeString(outside, "{\"version\": 2}\n[0.1, \"o\", \"not evidence\"]\n");
      storePath(gw, other.id(), "recordings/../" + outside.getFileName());
      CliRun export = cli(gw, config, "recordings", "export", other.id());
      assertEquals(1, export.exitCode(), export.toString());
      assertEquals(
          "bastion: the audit database names a recording outside "
              + shared
              + " for session "
              + other.id()
              + ": recordings/../"
              + outside.getFileName()
              + "; refused",
          export.stderr().strip());
      HttpResponse<String> download = web.get("/api/recordings/" + other.id() + ".cast");
      assertEquals(404, download.statusCode(), download.body());
      assertFalse(download.body().contains("not evidence"));
      CliRun verify = cli(gw, config, "recordings", "verify");
      assertEquals(1, verify.exitCode(), verify.toString());
      assertTrue(
          verify.stdout().contains("FAILED  " + other.id() + "  recordings/../"), verify.stdout());
      assertTrue(verify.stdout().contains("names a file outside " + shared), verify.stdout());
    }
  }

  @Test
  void aRecordingDirectoryOpenToOthersOrWithoutItsMountStopsTheStart() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("share/recordings"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
    IOException open = assertThrows(IOException.class, () -> start(shared).close());
    assertEquals(
        "recording.dir: "
            + shared
            + " is open to others (mode rwxrwxr-x); it holds the session recordings: run chmod"
            + " o-rwx "
            + shared
            + ", then start again (group access is fine for a group of the bastion's users only)",
        open.getMessage());

    Path unmounted = dir.resolve("no-such-mount/recordings");
    IOException missing = assertThrows(IOException.class, () -> start(unmounted).close());
    assertEquals(
        "recording.dir: "
            + unmounted
            + " does not exist, nor does "
            + unmounted.getParent()
            + "; mount the shared recordings directory (or create it) first",
        missing.getMessage());
    assertFalse(Files.exists(unmounted.getParent()));

    // A share owned by root:GROUP with mode 0770 is fine.
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
    try (BastionServer server = start(shared)) {
      assertEquals(shared, server.recorder().store().root());
    }
  }

  private BastionServer start(Path recordings) throws IOException {
    return BastionServer.start(
        dir.resolve("data"),
        ConfigLoader.parse(
            "t.yaml",
            "ssh: {listen: '127.0.0.1:0'}\nweb: {listen: '127.0.0.1:0'}\nrecording: {dir: '"
                + recordings
                + "'}\n"),
        Clock.systemUTC());
  }

  private static SessionRecord recordedSession(GatewayFixture gw, String text)
      throws InterruptedException {
    CommandResult run = gw.ssh(gw.onTarget(), "", "echo " + text);
    assertEquals(0, run.exitCode(), run.toString());
    return gw.awaitSealed(s -> ("echo " + text).equals(s.command()));
  }

  private static void assertEveryReaderFinds(
      GatewayFixture gw, Path config, WebClient web, String id, Path file, String text)
      throws Exception {
    CliRun verify = cli(gw, config, "recordings", "verify", id).ok();
    assertEquals("ok      " + id + "  " + file, verify.stdout().strip());
    CliRun export = cli(gw, config, "recordings", "export", id).ok();
    assertTrue(export.stdout().contains(text), export.stdout());
    HttpResponse<String> download = web.get("/api/recordings/" + id + ".cast");
    assertEquals(200, download.statusCode(), download.body());
    assertTrue(download.body().contains(text), download.body());
  }

  private static CliRun cli(GatewayFixture gw, Path config, String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--config";
    all[args.length + 1] = config.toString();
    return CliRun.of(gw.dataDir, all);
  }

  private static void storePath(GatewayFixture gw, String id, String path) throws Exception {
    try (Connection db = gw.bastion.database().connect();
        PreparedStatement update =
            db.prepareStatement("UPDATE sessions SET recording_path = ? WHERE id = ?")) {
      update.setString(1, path);
      update.setString(2, id);
      assertEquals(1, update.executeUpdate());
    }
  }
}
