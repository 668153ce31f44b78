package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * rsync, git, legacy scp and binary output through the bastion with the real clients: transfers are
 * audited with their bytes and recorded as one line; binary output stays small in recordings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileTransferEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BINARY_LINE =
      Pattern.compile("\\[binary output: (\\d+) bytes, sha256 ([0-9a-f]{64})\\]\r\n");
  private static final long BOUND = 64 * 1024;

  Path dir;
  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw =
        GatewayFixture.start(
            dir,
            "  gated01:\n    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n"
                + "    logins: ["
                + dev.bastion.testsupport.LoginAccount.name()
                + "]\n    require_approval: {count: 1, from: [approver]}\n",
            "  approver: {targets: [], can: [approve]}\n");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  /** The ssh command line rsync's -e and git's GIT_SSH_COMMAND run (paths have no spaces). */
  private String sshCommand() {
    return "ssh -p " + gw.port() + " " + String.join(" ", gw.sshOptions(gw.userKey));
  }

  @Test
  void rsyncToAndFromTheTargetIsAuditedAndNotRecordedByteByByte() throws Exception {
    assertTrue(ExternalCommand.available("rsync"), "rsync is needed; .ci/run installs it");
    Path local = Files.createDirectories(dir.resolve("rsync-src/sub"));
    Files.writeString(local.resolve("notes.txt"), "hello through the bastion\n");
    byte[] blob = new byte[1024 * 1024];
    new Random(1).nextBytes(blob);
    Files.write(local.resolve("blob.bin"), blob);
    String remote = "/tmp/bastion-rsync-" + System.nanoTime();
    // rsync splits user and host at the last '@': LOGIN@TARGET is the user ssh gets (-l).
    String there = gw.onTarget() + "@127.0.0.1:" + remote + "/";
    ExternalCommand.of("rsync", "-a", "-e", sshCommand(), dir.resolve("rsync-src") + "/", there)
        .run()
        .orThrow();
    Path back = dir.resolve("rsync-back");
    ExternalCommand.of("rsync", "-a", "-e", sshCommand(), there, back + "/").run().orThrow();
    assertArrayEquals(blob, Files.readAllBytes(back.resolve("sub/blob.bin")));
    assertEquals("hello through the bastion\n", Files.readString(back.resolve("sub/notes.txt")));

    AuditEvent up =
        awaitTransfer("write", d -> d.startsWith("rsync --server ") && d.contains(remote));
    AuditEvent down =
        awaitTransfer("read", d -> d.startsWith("rsync --server --sender ") && d.contains(remote));
    assertTrue(bytesToTarget(up) > blob.length, up.detail());
    assertTrue(bytesFromTarget(down) > blob.length, down.detail());
    assertTransferRecordedAsOneLine(c -> c.startsWith("rsync --server ") && c.contains(remote));
  }

  @Test
  void gitPushAndCloneUseProtocolVersionTwoAndAreAudited() throws Exception {
    String repo = "/tmp/bastion-git-" + System.nanoTime() + ".git";
    gw.ssh(gw.onTarget(), null, "git init -q --bare -b main " + repo).orThrow();
    Path work = Files.createDirectories(dir.resolve("git-work"));
    git(work, "init", "-q", "-b", "main").orThrow();
    Files.writeString(work.resolve("README"), "pushed through the bastion\n");
    git(work, "add", "README").orThrow();
    git(work, "-c", "user.name=Alice", "-c", "user.email=alice@example.com", "commit", "-qm", "one")
        .orThrow();
    String url = gw.onTarget() + "@127.0.0.1:" + repo;
    git(work, "push", "-q", url, "main").orThrow();

    Path clone = dir.resolve("git-clone");
    CommandResult cloned =
        ExternalCommand.of("git", "-c", "protocol.version=2", "clone", url, clone.toString())
            .env("GIT_SSH_COMMAND", sshCommand())
            .env("GIT_TRACE_PACKET", "1")
            .run()
            .orThrow();
    assertEquals("pushed through the bastion\n", Files.readString(clone.resolve("README")));
    // GIT_PROTOCOL reached the target: it answered in protocol v2, not with a v0 ref list.
    assertTrue(cloned.stderr().matches("(?s).*packet: +clone< version 2\n.*"), cloned.stderr());

    awaitTransfer("write", d -> d.startsWith("git-receive-pack '" + repo + "': "));
    awaitTransfer("read", d -> d.startsWith("git-upload-pack '" + repo + "': "));
    assertTransferRecordedAsOneLine(c -> c.equals("git-upload-pack '" + repo + "'"));
  }

  @Test
  void legacyScpIsAuditedAndNotRecordedByteByByte() throws Exception {
    Path file = dir.resolve("legacy.bin");
    byte[] data = new byte[2 * 1024 * 1024];
    new Random(2).nextBytes(data);
    Files.write(file, data);
    String remote = "/tmp/bastion-scp-O-" + System.nanoTime();
    List<String> scp = new ArrayList<>(List.of("scp", "-O", "-P", Integer.toString(gw.port())));
    scp.addAll(gw.sshOptions(gw.userKey));
    List<String> up = new ArrayList<>(scp);
    up.addAll(List.of(file.toString(), gw.onTarget() + "@127.0.0.1:" + remote));
    ExternalCommand.of(up).run().orThrow();
    List<String> down = new ArrayList<>(scp);
    down.addAll(
        List.of(gw.onTarget() + "@127.0.0.1:" + remote, dir.resolve("back.bin").toString()));
    ExternalCommand.of(down).run().orThrow();
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("back.bin")));

    AuditEvent written = awaitTransfer("write", d -> d.startsWith("scp -t " + remote + ": "));
    AuditEvent read = awaitTransfer("read", d -> d.startsWith("scp -f " + remote + ": "));
    assertTrue(bytesToTarget(written) > data.length, written.detail());
    assertTrue(bytesFromTarget(read) > data.length, read.detail());
    assertTransferRecordedAsOneLine(c -> c.equals("scp -f " + remote));
  }

  @Test
  void aTargetThatNeedsWatchingApproversRefusesATransferAsItRefusesSftp() throws Exception {
    CommandResult r = gw.ssh(gw.login + "@gated01", null, "scp -f /etc/hostname");
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(
        r.stderr()
            .contains(
                "bastion: target gated01 needs watching approvers, and file transfers cannot be"
                    + " watched; use a shell session"),
        r.stderr());
    AuditRows.await(gw, AuditKind.SESSION_REFUSED, "approval_needs_terminal", "alice@example.com");
  }

  @Test
  void randomBinaryOutputIsRecordedAsLinesWithItsCountAndDigest() throws Exception {
    String command = "head -c 20M /dev/urandom";
    byte[] received = receive(command);
    assertEquals(20 * 1024 * 1024, received.length);
    Path cast = sealedRecording(c -> c.equals(command));
    assertTrue(Files.size(cast) < BOUND, "recording of 20 MiB random: " + Files.size(cast));
    // Every byte received is in the recording: as text, or counted and hashed in a binary line.
    String output = new String(outputOf(cast), StandardCharsets.UTF_8);
    Matcher line = BINARY_LINE.matcher(output);
    int at = 0;
    int text = 0;
    long binary = 0;
    while (line.find()) {
      byte[] before = output.substring(text, line.start()).getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(
          java.util.Arrays.copyOfRange(received, at, at + before.length), before, "text at " + at);
      at += before.length;
      int n = Integer.parseInt(line.group(1));
      assertEquals(sha256(received, at, n), line.group(2), "binary run at " + at);
      at += n;
      binary += n;
      text = line.end();
    }
    at += output.substring(text).getBytes(StandardCharsets.UTF_8).length;
    assertEquals(received.length, at);
    assertTrue(binary > received.length - 100, "nearly all of it is one binary run: " + binary);
  }

  @Test
  void zerosAreOneBinaryLine() throws Exception {
    String command = "head -c 20M /dev/zero";
    byte[] received = receive(command);
    Path cast = sealedRecording(c -> c.equals(command));
    assertTrue(Files.size(cast) < BOUND, "recording of 20 MiB of zeros: " + Files.size(cast));
    assertEquals(
        "[binary output: 20971520 bytes, sha256 " + sha256(received, 0, received.length) + "]\r\n",
        new String(outputOf(cast), StandardCharsets.UTF_8));
  }

  private byte[] receive(String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", command));
    Process ssh = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] received = ssh.getInputStream().readAllBytes();
    assertTrue(ssh.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, ssh.exitValue());
    return received;
  }

  private CommandResult git(Path work, String... args) {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", work.toString()));
    cmd.addAll(List.of(args));
    return ExternalCommand.of(cmd).env("GIT_SSH_COMMAND", sshCommand()).run();
  }

  /** The transfer's session has a sealed recording that holds the line, not the data. */
  private void assertTransferRecordedAsOneLine(Predicate<String> command) throws Exception {
    Path cast = sealedRecording(command);
    assertTrue(Files.size(cast) < 4096, "a transfer's recording: " + Files.size(cast));
    String output = new String(outputOf(cast), StandardCharsets.UTF_8);
    assertTrue(
        output.startsWith("[file transfer: ")
            && output.contains("; not recorded byte by byte; see the audit log]\r\n")
            && output.contains("[file transfer ended: "),
        output);
  }

  private Path sealedRecording(Predicate<String> command) throws Exception {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 200; i++) {
      var found =
          reader.sessions(false, 1000).stream()
              .filter(s -> s.command() != null && command.test(s.command()))
              .filter(s -> s.recordingSha256() != null)
              .findFirst();
      if (found.isPresent()) {
        SessionRecord session = found.get();
        Path cast = gw.dataDir.resolve(session.recordingPath());
        assertEquals(RecordingStore.sha256(cast), session.recordingSha256());
        return cast;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no sealed session matched: " + reader.sessions(false, 10));
  }

  private AuditEvent awaitTransfer(String direction, Predicate<String> detail)
      throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 200; i++) {
      var found =
          reader.events(null, "alice@example.com", 1000).stream()
              .filter(e -> e.kind() == AuditKind.FILE_OPERATION && direction.equals(e.code()))
              .filter(e -> detail.test(e.detail()))
              .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no file_operation "
            + direction
            + ": "
            + reader.events(null, null, 40).stream()
                .filter(e -> e.kind() == AuditKind.FILE_OPERATION)
                .map(AuditEvent::detail)
                .toList());
  }

  private static long bytesToTarget(AuditEvent e) {
    Matcher m =
        Pattern.compile(": (\\d+) bytes to the target, (\\d+) bytes from it$").matcher(e.detail());
    assertTrue(m.find(), e.detail());
    return Long.parseLong(m.group(1));
  }

  private static long bytesFromTarget(AuditEvent e) {
    Matcher m =
        Pattern.compile(": (\\d+) bytes to the target, (\\d+) bytes from it$").matcher(e.detail());
    assertTrue(m.find(), e.detail());
    return Long.parseLong(m.group(2));
  }

  static byte[] outputOf(Path cast) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> lines = GatewayFixture.recordingLines(cast);
    for (String line : lines.subList(1, lines.size())) {
      JsonNode e = JSON.readTree(line);
      if (e.get(1).asText().equals("o")) {
        out.writeBytes(e.get(2).asText().getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  private static String sha256(byte[] b, int offset, int length) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update(b, offset, length);
    return HexFormat.of().formatHex(d.digest());
  }
}
