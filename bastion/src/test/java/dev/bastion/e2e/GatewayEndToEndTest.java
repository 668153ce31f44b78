package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The real ssh, scp and sftp through the bastion to a real sshd. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayEndToEndTest {
  Path dir;
  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    int closedPort = OpenSshServer.freePort();
    String otherKey =
        OpenSsh.read(
            OpenSsh.pub(OpenSsh.keygen(Files.createDirectories(dir.resolve("other")), "k")));
    gw =
        GatewayFixture.start(
            dir,
            "  down01:\n    address: 127.0.0.1:"
                + closedPort
                + "\n"
                + "    host_key: \""
                + otherKey
                + "\"\n    logins: ["
                + dev.bastion.testsupport.LoginAccount.name()
                + "]\n"
                + "  evil01:\n    address: TARGET_ADDRESS\n    host_key: \""
                + otherKey
                + "\"\n    logins: ["
                + dev.bastion.testsupport.LoginAccount.name()
                + "]\n");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void execReturnsOutputAndExitStatusZero() {
    CommandResult r = gw.ssh(gw.onTarget(), null, "echo", "hello from", "$(id -un)");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("hello from " + gw.login, r.stdout().strip());
  }

  @Test
  void execExitStatusFortyTwoReachesTheClient() {
    CommandResult r = gw.ssh(gw.onTarget(), null, "exit 42");
    assertEquals(42, r.exitCode(), r.toString());
  }

  @Test
  void stdinIsPipedThroughAndItsEndReachesTheTarget() {
    CommandResult r = gw.ssh(gw.onTarget(), "line one\nline two\n", "wc -l; echo to-stderr >&2");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("2", r.stdout().strip());
    assertEquals("to-stderr", r.stderr().strip());
  }

  @Test
  void killedRemoteProcessEndsTheClientAsADirectConnectionWould() {
    CommandResult viaBastion = ExternalCommand.of(sshVerbose(gw.onTarget(), "kill -TERM $$")).run();
    assertEquals(255, viaBastion.exitCode(), viaBastion.toString());
    assertTrue(viaBastion.stderr().contains("rtype exit-signal"), viaBastion.stderr());
  }

  @Test
  void bigTransfersEachWayArriveIntact() throws Exception {
    Path upload = dir.resolve("upload.bin");
    long size = 200L * 1024 * 1024;
    writeRandom(upload, size);
    String remote = "/tmp/bastion-e2e-" + System.nanoTime() + ".bin";
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.add(gw.onTarget() + "@127.0.0.1");
    cmd.add("cat > " + remote + " && sha256sum " + remote);
    Process up =
        new ProcessBuilder(cmd).redirectInput(upload.toFile()).redirectErrorStream(true).start();
    String upOut = new String(up.getInputStream().readAllBytes());
    assertTrue(up.waitFor(3, TimeUnit.MINUTES));
    assertEquals(0, up.exitValue(), upOut);
    assertEquals(sha256(upload), upOut.strip().split(" ")[0]);

    Path download = dir.resolve("download.bin");
    cmd.set(cmd.size() - 1, "cat " + remote + " && rm " + remote);
    Process down = new ProcessBuilder(cmd).redirectOutput(download.toFile()).start();
    assertTrue(down.waitFor(3, TimeUnit.MINUTES));
    assertEquals(0, down.exitValue(), new String(down.getErrorStream().readAllBytes()));
    assertEquals(size, Files.size(download));
    assertEquals(sha256(upload), sha256(download));
    Files.delete(upload);
    Files.delete(download);
  }

  @Test
  void scpAndSftpWorkThroughTheBastion() throws Exception {
    Path file = dir.resolve("scp.bin");
    writeRandom(file, 3 * 1024 * 1024);
    String remote = "/tmp/bastion-scp-" + System.nanoTime();
    List<String> scp = new ArrayList<>(List.of("scp", "-P", Integer.toString(gw.port())));
    scp.addAll(gw.sshOptions(gw.userKey));
    scp.addAll(List.of(file.toString(), gw.onTarget() + "@127.0.0.1:" + remote));
    ExternalCommand.of(scp).run().orThrow();

    Path back = dir.resolve("sftp.bin");
    List<String> sftp = new ArrayList<>(List.of("sftp", "-P", Integer.toString(gw.port())));
    sftp.addAll(gw.sshOptions(gw.userKey));
    sftp.add(gw.onTarget() + "@127.0.0.1");
    CommandResult r =
        ExternalCommand.of(sftp)
            .stdin("get " + remote + " " + back + "\nrm " + remote + "\n")
            .run();
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(sha256(file), sha256(back));

    // One audit row per file operation, with the bytes moved; the bytes themselves are not kept.
    awaitFileOperation("write", remote + ": 3145728 bytes");
    awaitFileOperation("read", remote + ": 3145728 bytes");
    awaitFileOperation("remove", remote + ": ok");
    AuditReader reader = new AuditReader(gw.bastion.database());
    assertTrue(
        reader.sessions(false, 100).stream()
            .filter(x -> "sftp".equals(x.kind()))
            .allMatch(x -> x.recordingPath() == null),
        "sftp sessions are not recorded byte by byte");
  }

  @Test
  void interactiveShellUnderAPtyFollowsTerminalResizes() throws Exception {
    assertTrue(
        ExternalCommand.available("tmux"),
        "tmux is needed for terminal tests; .ci/run installs it");
    String socket = dir.resolve("tmux.sock").toString();
    List<String> ssh = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    ssh.addAll(gw.sshOptions(gw.userKey));
    ssh.add(gw.onTarget() + "@127.0.0.1");
    List<String> start =
        new ArrayList<>(
            List.of("tmux", "-S", socket, "new-session", "-d", "-x", "100", "-y", "30"));
    start.add(String.join(" ", ssh));
    ExternalCommand.of(start).run().orThrow();
    try {
      awaitScreen(socket, "$");
      tmux(socket, "send-keys", "stty size; echo TERM=$TERM", "Enter");
      awaitScreen(socket, "30 100");
      tmux(socket, "resize-window", "-x", "132", "-y", "43");
      // The new size travels ssh, bastion and the target's pty: ask again until it has arrived.
      String screen = "";
      for (int i = 0; i < 20 && !screen.contains("43 132"); i++) {
        tmux(socket, "send-keys", "clear; stty size", "Enter");
        Thread.sleep(500);
        screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      }
      assertTrue(screen.contains("43 132"), screen);
      tmux(socket, "send-keys", "exit 7", "Enter");
    } finally {
      ExternalCommand.of("tmux", "-S", socket, "kill-server").run();
    }
  }

  @Test
  void unknownTargetIsRefusedWithOneLine() {
    CommandResult r = gw.ssh(gw.login + "@web99", null, "true");
    assertEquals(1, r.exitCode(), r.toString());
    assertEquals(
        "bastion: unknown target 'web99'; 'ssh ... targets' lists yours", r.stderr().strip());
  }

  @Test
  void loginNotAllowedForTheRolesIsRefused() {
    CommandResult r = gw.ssh("root@web01", null, "true");
    assertEquals(1, r.exitCode(), r.toString());
    assertEquals(
        "bastion: login 'root' is not allowed on web01 for your roles (ops); allowed: " + gw.login,
        r.stderr().strip());
  }

  @Test
  void unreachableTargetIsRefused() {
    CommandResult r = gw.ssh(gw.login + "@down01", null, "true");
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.stderr().startsWith("bastion: target down01 (127.0.0.1:"), r.stderr());
    assertTrue(r.stderr().contains("is unreachable: connection refused"), r.stderr());
  }

  @Test
  void targetWithAnotherHostKeyIsRefused() {
    long loginsBefore =
        gw.target.log().lines().filter(l -> l.contains("Accepted publickey")).count();
    CommandResult r = gw.ssh(gw.login + "@evil01", null, "true");
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(
        r.stderr().contains("bastion: target evil01 presented host key SHA256:"), r.stderr());
    assertTrue(r.stderr().contains("not the pinned SHA256:"), r.stderr());
    long loginsAfter =
        gw.target.log().lines().filter(l -> l.contains("Accepted publickey")).count();
    assertEquals(
        loginsBefore, loginsAfter, "the bastion must not log in to a host it cannot verify");
  }

  @Test
  void expiredCertificateIsRefusedWithItsExpiryTime() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("expired")), "id_expired");
    CaKeyStore cas = new CaKeyStore(gw.dataDir);
    Instant now = Instant.now();
    var request =
        CertificateRequest.user(
                OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                "bob@example.com",
                List.of("ops"),
                Duration.ofHours(1),
                Clock.systemUTC())
            .withValidity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(5)));
    OpenSsh.write(
        OpenSsh.cert(key), OpenSshKeys.toLine(cas.load(CaKind.USER).sign(request), null) + "\n");
    for (boolean batch : new boolean[] {true, false}) {
      CommandResult r = sshAsked(key, batch);
      assertEquals(255, r.exitCode(), r.toString());
      assertEquals(1, bastionLines(r).size(), "the reason once, batch " + batch + ": " + r);
      assertTrue(bastionLines(r).get(0).startsWith("bastion: certificate expired at "), r.stderr());
      assertTrue(r.stderr().contains("(5 minutes ago); get a new one"), r.stderr());
      assertTrue(r.stderr().contains(DENIED), r.stderr());
    }
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "expired", "bob@example.com");
  }

  @Test
  void plainKeyWithoutCertificateIsRefusedAndAudited() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("plain")), "id_plain");
    CommandResult r = sshAsked(key, false);
    assertEquals(255, r.exitCode(), r.toString());
    assertEquals(
        List.of(
            "bastion: no certificate was offered; this bastion accepts only OpenSSH user"
                + " certificates signed by its CA (ask its admin for one and keep it next to your"
                + " key as <key>-cert.pub)"),
        bastionLines(r),
        r.toString());
    assertTrue(r.stderr().contains(DENIED), r.stderr());
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "not_a_certificate", null);
  }

  @Test
  void batchModeClientWithPlainKeyFailsFastWithoutTheExplanation() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("batch")), "id_batch");
    CommandResult r = sshAsked(key, true);
    assertEquals(255, r.exitCode(), r.toString());
    assertEquals(List.of(), bastionLines(r), r.toString());
    assertTrue(r.stderr().contains(DENIED), r.stderr());
  }

  @Test
  void goodCertificateLoginPrintsNothingExtraWhenPromptsAreAllowed() {
    CommandResult r = sshAsked(gw.userKey, false, "echo", "in");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("in", r.stdout().strip());
    assertEquals("", r.stderr(), r.toString());
  }

  private static final String DENIED = "Permission denied (publickey,keyboard-interactive)";

  /** The real ssh to web01, in batch mode or (as a person at a terminal runs it) not. */
  private CommandResult sshAsked(Path key, boolean batch, String... command) {
    String[] run = command.length == 0 ? new String[] {"true"} : command;
    return batch
        ? gw.sshWith(key, gw.onTarget(), null, run)
        : gw.sshNotBatch(key, gw.onTarget(), run);
  }

  static List<String> bastionLines(CommandResult r) {
    return r.stderr().lines().filter(l -> l.startsWith("bastion:")).toList();
  }

  @Test
  void builtinCommandsAnswerWithoutATarget() {
    CommandResult whoami = gw.ssh("me", null, "whoami");
    assertEquals(0, whoami.exitCode(), whoami.toString());
    assertTrue(whoami.stdout().contains("identity:    alice@example.com"), whoami.stdout());
    assertTrue(whoami.stdout().contains("roles:       ops"), whoami.stdout());

    CommandResult targets = gw.ssh("me", null, "targets");
    assertTrue(targets.stdout().contains("web01"), targets.stdout());
    assertTrue(
        targets.stdout().lines().anyMatch(l -> l.startsWith("web01") && l.endsWith(gw.login)),
        targets.stdout());

    CommandResult shell = gw.ssh("me", null);
    assertEquals(0, shell.exitCode(), shell.toString());
    assertTrue(shell.stdout().contains("ssh -p PORT LOGIN@TARGET@BASTION"), shell.stdout());

    CommandResult unknown = gw.ssh("me", null, "reboot");
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.stderr().startsWith("bastion: unknown command 'reboot'"), unknown.stderr());
  }

  @Test
  void aWebOnlyRoleLogsInNowhereButKeepsItsWebRights() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("reviewer")), "id_reviewer");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        key,
        "rita@example.com",
        List.of("reviewer"),
        Duration.ofHours(1));
    CommandResult login = gw.sshWith(key, gw.onTarget(), null, "true");
    assertEquals(1, login.exitCode(), login.toString());
    assertEquals(
        "bastion: your roles (reviewer) grant web rights only and reach no target;"
            + " ask for a role with targets",
        login.stderr().strip());
    CommandResult targets = gw.sshWith(key, "me", null, "targets");
    assertEquals(0, targets.exitCode(), targets.toString());
    assertEquals(
        "no targets for your roles (reviewer); they grant web rights only (shadow):"
            + " 'web-login' opens the web viewer",
        targets.stdout().strip());
    WebClient web = new WebClient(gw, key);
    String me = web.get("/api/me").body();
    assertTrue(me.contains("rita@example.com") && me.contains("shadow"), me);
  }

  @Test
  void portForwardingIsRefused() {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of("-W", "127.0.0.1:" + gw.target.port(), gw.onTarget() + "@127.0.0.1"));
    CommandResult r = ExternalCommand.of(cmd).run();
    assertEquals(255, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("administratively prohibited"), r.stderr());
  }

  @Test
  void sessionsAreAuditedWithExitStatusAndBytes() throws Exception {
    CommandResult r = gw.ssh(gw.onTarget(), "12345", "cat; exit 3");
    assertEquals(3, r.exitCode(), r.toString());
    AuditReader reader = new AuditReader(gw.bastion.database());
    SessionRecord s =
        awaitSession(
            reader,
            rec -> "cat; exit 3".equals(rec.command()) && SessionRecord.ENDED.equals(rec.state()));
    assertEquals("alice@example.com", s.identity());
    assertEquals("web01", s.target());
    assertEquals(gw.login, s.login());
    assertEquals("exec", s.kind());
    assertEquals(List.of("ops"), s.roles());
    assertEquals(3, s.exitStatus());
    assertEquals(5, s.bytesIn());
    assertEquals(5, s.bytesOut());
    assertEquals("127.0.0.1", s.sourceAddress());
    // The target's own log names the person: the upstream certificate's key id.
    assertTrue(
        gw.target.log().contains("ID alice@example.com via bastion session " + s.id()),
        gw.target.log());
  }

  @Test
  void revokingAnIdentityEndsItsLiveSession() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("revoked")), "id_carol");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir), key, "carol@example.com", List.of("ops"), Duration.ofHours(1));
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(key));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo started; sleep 60"));
    Process ssh = new ProcessBuilder(cmd).start();
    byte[] first = ssh.getInputStream().readNBytes("started\n".length());
    assertEquals("started\n", new String(first));
    new RevocationList(gw.dataDir).add(Revocation.identity("carol@example.com", Instant.now()));
    assertTrue(ssh.waitFor(15, TimeUnit.SECONDS), "session was not ended after the revocation");
    String err = new String(ssh.getErrorStream().readAllBytes());
    assertTrue(
        err.contains(
            "bastion: your certificate was revoked (identity \"carol@example.com\"); session ended"),
        err);
    assertEquals(255, ssh.exitValue());
  }

  @Test
  void clientGoingAwayEndsTheTargetSideAndTheSessionRow() throws Exception {
    // A unique duration identifies the target's process; the anchored pattern skips the local ssh.
    String marker = "600." + (System.nanoTime() % 1_000_000);
    // With a terminal, as with OpenSSH directly, the target's sshd hangs up the process when the
    // connection ends (without one, sshd leaves it running until it writes, bastion or not).
    List<String> cmd = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo started; exec sleep " + marker));
    Process ssh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertEquals(
        "started\r\n", new String(ssh.getInputStream().readNBytes("started\r\n".length())));
    // "started" can arrive before the shell has become sleep.
    boolean running = false;
    for (int i = 0; i < 100 && !running; i++) {
      running = ExternalCommand.of("pgrep", "-f", "^sleep " + marker + "$").run().succeeded();
      Thread.sleep(running ? 0 : 100);
    }
    assertTrue(running, "remote command not running");
    ssh.destroyForcibly().waitFor();
    boolean gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
      gone = !ExternalCommand.of("pgrep", "-f", "^sleep " + marker + "$").run().succeeded();
      Thread.sleep(100);
    }
    assertTrue(gone, "the target's process outlived the client by 10 s");
    SessionRecord s =
        awaitSession(
            new AuditReader(gw.bastion.database()),
            rec ->
                rec.command() != null
                    && rec.command().contains(marker)
                    && SessionRecord.ENDED.equals(rec.state()));
    assertEquals("client disconnected", s.endReason());
  }

  private List<String> sshVerbose(String user, String command) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-v", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.add(user + "@127.0.0.1");
    cmd.add(command);
    return cmd;
  }

  private void awaitFileOperation(String operation, String detail) throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 100; i++) {
      if (reader.events(null, "alice@example.com", 1000).stream()
          .anyMatch(
              e ->
                  e.kind().equals(AuditKind.FILE_OPERATION)
                      && operation.equals(e.code())
                      && detail.equals(e.detail()))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no file operation "
            + operation
            + " "
            + detail
            + ": "
            + reader.events(null, null, 30).stream()
                .filter(e -> e.kind().equals(AuditKind.FILE_OPERATION))
                .toList());
  }

  private SessionRecord awaitSession(
      AuditReader reader, java.util.function.Predicate<SessionRecord> match)
      throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var found = reader.sessions(false, 1000).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no such session: " + reader.sessions(false, 20));
  }

  private static void tmux(String socket, String... args) {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket));
    cmd.addAll(List.of(args));
    ExternalCommand.of(cmd).run().orThrow();
  }

  private static String awaitScreen(String socket, String text) throws InterruptedException {
    String screen = "";
    for (int i = 0; i < 100; i++) {
      screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      if (screen.contains(text)) {
        return screen;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("screen never showed '" + text + "':\n" + screen);
  }

  static void writeRandom(Path file, long size) throws Exception {
    Random random = new Random(42);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += block.length) {
        random.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, size - written));
      }
    }
  }

  static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
