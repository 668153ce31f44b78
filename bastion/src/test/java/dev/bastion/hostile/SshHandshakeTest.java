package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.e2e.GatewayFixture;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.LoginAccount;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the bastion shows the network before anyone logs in, on both legs: no library version, no
 * NIST ECDH curves for engineers, encrypt-then-MAC only, no compression before login, and an {@code
 * ssh-audit} report without failures or warnings (issue 11, #10).
 */
class SshHandshakeTest {
  /**
   * Algorithms newer than ssh-audit 2.5 (Debian 12), which calls them unknown or experimental
   * although they are the recommended ones: hybrid post-quantum key exchanges and the strict-KEX
   * marker that closes Terrapin. Newer ssh-audit versions report them as fine.
   */
  static final Set<String> NEWER_THAN_SSH_AUDIT =
      Set.of(
          "mlkem768x25519-sha256",
          "sntrup761x25519-sha512",
          "sntrup761x25519-sha512@openssh.com",
          "kex-strict-s-v00@openssh.com");

  @TempDir Path dir;
  GatewayFixture gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void engineersSeeNoLibraryVersionNoNistCurvesOnlyEtmMacsAndNoCompressionBeforeLogin()
      throws Exception {
    gw = GatewayFixture.start(dir, "");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      assertEquals("SSH-2.0-bastion", readLine(in));
      s.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
      KexInit offer = KexInit.read(in);
      assertTrue(offer.kex().contains("curve25519-sha256"), offer.toString());
      assertTrue(offer.kex().contains("kex-strict-s-v00@openssh.com"), "Terrapin: strict KEX");
      assertTrue(
          offer.kex().stream().noneMatch(k -> k.startsWith("ecdh-sha2-nistp")), offer.toString());
      offer.assertOnlyEtmMacsAndDelayedCompression();
    }
  }

  @Test
  void openSshIsOfferedAesGcmOnlyAndOtherClientsAesCtrAfterItNeverCbc() throws Exception {
    gw = GatewayFixture.start(dir, "");
    List<String> gcm = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com");
    assertEquals(
        List.of(gcm, gcm),
        List.of(offerTo("SSH-2.0-OpenSSH_9.2"), offerTo("SSH-2.0-PuTTY_Release_0.78")));
    List<String> gcmThenCtr =
        List.of(
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr");
    for (String client :
        List.of(
            "SSH-2.0-paramiko_2.12.0", "SSH-2.0-dropbear_2022.83", "SSH-2.0-PuTTY_Release_0.75")) {
      assertEquals(gcmThenCtr, offerTo(client), client);
    }
  }

  /** The ciphers the bastion offers a client announcing itself as {@code version}, one way. */
  private List<String> offerTo(String version) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      s.getOutputStream().write((version + "\r\n").getBytes(StandardCharsets.US_ASCII));
      assertEquals("SSH-2.0-bastion", readLine(in));
      KexInit offer = KexInit.read(in);
      offer.assertOnlyEtmMacsAndDelayedCompression();
      List<String> ciphers = offer.ciphers();
      assertEquals(
          ciphers.subList(0, ciphers.size() / 2),
          ciphers.subList(ciphers.size() / 2, ciphers.size()));
      return ciphers.subList(0, ciphers.size() / 2);
    }
  }

  @Test
  void targetsSeeNoLibraryVersionOnlyEtmMacsAndNoCompressionBeforeLogin() throws Exception {
    try (ServerSocket fakeTarget = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      fakeTarget.setSoTimeout(30_000);
      gw =
          GatewayFixture.start(
              dir,
              "  evil01:\n"
                  + "    address: 127.0.0.1:"
                  + fakeTarget.getLocalPort()
                  + "\n"
                  + "    host_key: \"TARGET_HOST_KEY\"\n"
                  + "    logins: ["
                  + LoginAccount.name()
                  + "]\n");
      CompletableFuture<CommandResult> ssh =
          CompletableFuture.supplyAsync(() -> gw.ssh(gw.login + "@evil01", "", "true"));
      try (Socket s = fakeTarget.accept()) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertEquals("SSH-2.0-bastion", readLine(in), "the bastion's banner to its targets");
        KexInit offer = KexInit.read(in);
        assertTrue(offer.kex().contains("curve25519-sha256"), offer.toString());
        offer.assertOnlyEtmMacsAndDelayedCompression();
      }
      assertNotEquals(0, ssh.get(3, TimeUnit.MINUTES).exitCode(), "the fake target hung up");
    }
  }

  @Test
  void sshAuditReportsNoFailureAndNoWarning() throws Exception {
    assertTrue(
        ExternalCommand.available("ssh-audit"), "ssh-audit is not installed (.ci/run installs it)");
    gw = GatewayFixture.start(dir, "");
    CommandResult audit =
        ExternalCommand.of(
                "ssh-audit", "-n", "-t", "10", "-p", Integer.toString(gw.port()), "127.0.0.1")
            .timeout(Duration.ofMinutes(1))
            .run();
    String report = audit.toString();
    List<String> findings = new ArrayList<>();
    boolean tooNewForTheTool = false;
    for (String line : audit.stdout().split("\n")) {
      if (!line.contains("[fail]") && !line.contains("[warn]")) {
        continue;
      }
      String algorithm = line.replaceFirst("^\\(\\w+\\)\\s+(\\S+).*", "$1");
      boolean toolTooOld =
          NEWER_THAN_SSH_AUDIT.contains(algorithm)
              && (line.contains("unknown algorithm") || line.contains("experimental algorithm"));
      tooNewForTheTool |= toolTooOld;
      if (!toolTooOld) {
        findings.add(line.strip());
      }
    }
    assertEquals(List.of(), findings, report);
    assertTrue(audit.stdout().contains("SSH-2.0-bastion"), report);
    // ssh-audit 2.x exits 2 for warnings (3 for failures); its warnings about algorithms it does
    // not know yet are the only ones allowed, and a newer ssh-audit reports none at all.
    assertEquals(tooNewForTheTool ? 2 : 0, audit.exitCode(), report);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0 || line.size() > 255) {
        throw new IOException("no identification line: " + line);
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.US_ASCII).stripTrailing();
  }

  /** The name-lists of an SSH_MSG_KEXINIT (RFC 4253 section 7.1), as sent in the clear. */
  record KexInit(
      List<String> kex,
      List<String> hostKeys,
      List<String> ciphers,
      List<String> macs,
      List<String> compressions) {
    static KexInit read(InputStream raw) throws IOException {
      DataInputStream in = new DataInputStream(raw);
      int length = in.readInt();
      assertTrue(length > 0 && length < 65536, "packet length " + length);
      byte[] packet = in.readNBytes(length);
      DataInputStream body = new DataInputStream(new java.io.ByteArrayInputStream(packet));
      body.readByte(); // padding length
      assertEquals(20, body.readByte(), "SSH_MSG_KEXINIT");
      body.skipNBytes(16); // cookie
      List<List<String>> lists = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        byte[] names = body.readNBytes(body.readInt());
        String text = new String(names, StandardCharsets.US_ASCII);
        lists.add(text.isEmpty() ? List.of() : List.of(text.split(",")));
      }
      List<String> macs = new ArrayList<>(lists.get(4));
      macs.addAll(lists.get(5));
      List<String> compressions = new ArrayList<>(lists.get(6));
      compressions.addAll(lists.get(7));
      List<String> ciphers = new ArrayList<>(lists.get(2));
      ciphers.addAll(lists.get(3));
      return new KexInit(lists.get(0), lists.get(1), ciphers, macs, compressions);
    }

    void assertOnlyEtmMacsAndDelayedCompression() {
      assertFalse(macs.isEmpty(), toString());
      assertTrue(macs.stream().allMatch(m -> m.endsWith("-etm@openssh.com")), toString());
      assertTrue(
          compressions.stream().allMatch(c -> c.equals("none") || c.equals("zlib@openssh.com")),
          toString());
    }
  }
}
