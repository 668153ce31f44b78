package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CaKind;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients other than OpenSSH through the bastion to a real sshd, each with a certificate and a
 * checked host key: Paramiko 2.12 (no AES-GCM, so AES-CTR with encrypt-then-MAC) and PuTTY 0.78's
 * plink and pscp (the host CA from its saved settings); OpenSSH still on AES-GCM; a client that
 * offers only CBC refused with a {@code negotiation_failed} row (issue 13).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtherClientsTest {
  /** Debian's python3-paramiko belongs to the system's interpreter, not a user's own. */
  static final String PYTHON = "/usr/bin/python3";

  Path dir;
  GatewayFixture gw;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw = GatewayFixture.start(dir, "");
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void openSshStillNegotiatesAesGcm() {
    CommandResult r = openSsh(List.of("-v"));
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("cipher: aes128-gcm@openssh.com"), r.stderr());
    assertTrue(!r.stderr().contains("-ctr"), r.stderr());
  }

  @Test
  void paramikoWithoutGcmRunsCommandsOverAesCtrWithEtmMac() throws Exception {
    CommandResult r = paramiko("exec", "echo hello from $(id -un)");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("hello from " + gw.login, r.stdout().strip(), r.toString());
    assertTrue(r.stderr().contains("paramiko 2."), r.stderr());
    assertTrue(
        r.stderr().matches("(?s).*cipher aes\\d+-ctr mac hmac-sha2-\\d+-etm@openssh\\.com.*"),
        r.stderr());
  }

  @Test
  void paramikoSftpPutsAndGetsAFile() throws Exception {
    Path file = random("paramiko.bin", 1024 * 1024 + 17);
    Path back = dir.resolve("paramiko.back");
    String remote = "/tmp/bastion-paramiko-" + System.nanoTime();
    CommandResult r = paramiko("sftp", file.toString(), remote, back.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(-1L, Files.mismatch(file, back), "the file came back unchanged");
    AuditRows.await(gw, AuditKind.FILE_OPERATION, "write", "alice@example.com");
  }

  @Test
  void plinkAndPscpLogInWithCertificateTrustingTheHostCa() throws Exception {
    Path putty = puttySettings();
    Path ppk = puttyKey();
    CommandResult plink =
        putty(putty, "plink", "-v", "-l", gw.onTarget(), "-i", ppk, "127.0.0.1", "id -un");
    assertEquals(0, plink.exitCode(), plink.toString());
    assertEquals(gw.login, plink.stdout().strip(), plink.toString());
    assertTrue(
        plink.stderr().contains("GCM") && !plink.stderr().contains("SDCTR"),
        "PuTTY 0.76+ stays on AES-GCM: " + plink.stderr());

    Path file = random("pscp.bin", 300_000);
    String remote = "/tmp/bastion-pscp-" + System.nanoTime();
    String at = gw.onTarget() + "@127.0.0.1:";
    CommandResult up = putty(putty, "pscp", "-i", ppk, file, at + remote);
    assertEquals(0, up.exitCode(), up.toString());
    Path back = dir.resolve("pscp.back");
    CommandResult down = putty(putty, "pscp", "-i", ppk, at + remote, back);
    assertEquals(0, down.exitCode(), down.toString());
    assertEquals(-1L, Files.mismatch(file, back), "the file came back unchanged");
  }

  @Test
  void plinkRefusesTheBastionWithoutTheHostCa() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("putty-empty"));
    Files.createDirectories(empty.resolve("sshhostcas"));
    CommandResult r =
        putty(empty, "plink", "-l", gw.onTarget(), "-i", puttyKey(), "127.0.0.1", "true");
    assertNotEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("host key is not cached"), r.toString());
  }

  @Test
  void aClientOfferingOnlyCbcIsRefusedAndAudited() throws Exception {
    CommandResult r = openSsh(List.of("-o", "Ciphers=aes128-cbc"));
    assertEquals(255, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("no matching cipher"), r.stderr());
    AuditEvent row = AuditRows.await(gw, AuditKind.NEGOTIATION_FAILED, "cipher", null);
    assertEquals("127.0.0.1", row.sourceAddress());
    assertTrue(row.detail().startsWith("client SSH-2.0-OpenSSH_"), row.detail());
    assertTrue(row.detail().contains("ciphers [aes128-cbc]"), row.detail());
    assertTrue(row.detail().contains("macs [") && row.detail().contains("kex ["), row.detail());
  }

  private CommandResult openSsh(List<String> extra) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(extra);
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "true"));
    return ExternalCommand.of(cmd).timeout(Duration.ofMinutes(2)).run();
  }

  private CommandResult paramiko(String mode, String... args) throws IOException {
    assertTrue(
        ExternalCommand.of(PYTHON, "-c", "import paramiko").run().exitCode() == 0,
        "python3-paramiko is not installed (.ci/run installs it)");
    Path script = resource("paramiko_client.py");
    Path knownHosts = dir.resolve("paramiko_known_hosts");
    // Paramiko has no @cert-authority: pin the bastion's host key itself.
    String hostKey =
        ExternalCommand.of(
                "ssh-keygen", "-y", "-f", gw.dataDir.resolve("ssh_host_ed25519_key").toString())
            .run()
            .orThrow()
            .stdout()
            .strip();
    OpenSsh.write(knownHosts, "[127.0.0.1]:" + gw.port() + " " + hostKey + "\n");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                PYTHON,
                script.toString(),
                "127.0.0.1",
                Integer.toString(gw.port()),
                gw.onTarget(),
                gw.userKey.toString(),
                OpenSsh.cert(gw.userKey).toString(),
                knownHosts.toString(),
                mode));
    cmd.addAll(List.of(args));
    return ExternalCommand.of(cmd).timeout(Duration.ofMinutes(2)).run();
  }

  /** The engineer's key and certificate in one .ppk, as puttygen --certificate makes it. */
  private Path puttyKey() {
    Path ppk = dir.resolve("engineer.ppk");
    ExternalCommand.of(
            "puttygen",
            gw.userKey.toString(),
            "--certificate",
            OpenSsh.cert(gw.userKey).toString(),
            "-o",
            ppk.toString())
        .run()
        .orThrow();
    return ppk;
  }

  /** PuTTY's settings folder trusting the bastion's host CA for 127.0.0.1, and nothing else. */
  private Path puttySettings() throws IOException {
    Path settings = Files.createDirectories(dir.resolve("putty"));
    Path cas = Files.createDirectories(settings.resolve("sshhostcas"));
    String[] ca = gw.bastion.cas().load(CaKind.HOST).publicKeyLine().split(" ");
    Files.writeString(cas.resolve("bastion"), "PublicKey=" + ca[1] + "\nValidity=127.0.0.1\n");
    return settings;
  }

  private CommandResult putty(Path settings, String tool, Object... args) {
    assertTrue(ExternalCommand.available(tool), tool + " is not installed (.ci/run installs it)");
    List<String> cmd = new ArrayList<>(List.of(tool, "-batch", "-P", Integer.toString(gw.port())));
    for (Object arg : args) {
      cmd.add(arg.toString());
    }
    return ExternalCommand.of(cmd)
        .env("HOME", settings.toString())
        .env("PUTTYDIR", settings.toString())
        .env("PUTTYSSHHOSTCAS", settings.resolve("sshhostcas").toString())
        .timeout(Duration.ofMinutes(2))
        .run();
  }

  private Path random(String name, int size) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Files.write(dir.resolve(name), bytes);
  }

  private Path resource(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/clients/" + name)) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }
}
