package dev.bastion.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.policy.Grant;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real OpenSSH sshd: opening a connection is not logging in; logging in is. */
class UpstreamConnectorTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final CertificateAuthority upstreamCa =
      new CertificateAuthority(CaKind.UPSTREAM, OpenSshKeys.generateEd25519());
  private OpenSshServer target;
  private UpstreamConnector connector;
  private String login;

  @BeforeEach
  void startTarget() {
    OpenSsh.requireInstalled();
    login = LoginAccount.name();
    target =
        OpenSshServer.builder(dir.resolve("target"))
            .trustedUserCaKeys(upstreamCa.publicKeyLine())
            .start();
  }

  @AfterEach
  void stop() {
    if (connector != null) {
      connector.close();
    }
    target.close();
  }

  private UpstreamConnector connector(Duration abandonAfter) {
    connector =
        new UpstreamConnector(
            upstreamCa,
            new BastionConfig.Upstream(Duration.ofSeconds(5), Duration.ZERO),
            Clock.systemUTC(),
            abandonAfter);
    return connector;
  }

  private Grant grant(String pinnedHostKeyLine) {
    BastionConfig.Target web01 =
        new BastionConfig.Target(
            "web01",
            "127.0.0.1",
            target.port(),
            Optional.of(OpenSshKeys.parsePublicKey(pinnedHostKeyLine)),
            Optional.empty(),
            List.of(login),
            Optional.empty());
    return new Grant("alice@example.com", 7, web01, login, List.of("ops"));
  }

  @Test
  void anOpenedConnectionSendsNoLoginAttemptAndClosesItselfWhenNobodyLogsIn() throws Exception {
    Grant grant = grant(target.hostKeyLine());
    TargetConnection opened =
        connector(Duration.ofSeconds(1)).open(grant).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertFalse(opened.session().isAuthenticated());
    int port = ((InetSocketAddress) opened.session().getIoSession().getLocalAddress()).getPort();

    // sshd names the user in this line once the client sent any login request ("authenticating
    // user ..."); "[preauth]" says the connection never got past authentication.
    String closed = awaitLogLine("Connection closed by .*port " + port + " \\[preauth\\]");
    assertEquals("Connection closed by 127.0.0.1 port " + port + " [preauth]", closed);
    assertFalse(target.log().contains("Accepted publickey"), target.log());

    ExecutionException late =
        assertThrows(ExecutionException.class, () -> connector.login(opened, grant, "s1").get());
    assertEquals("upstream_error", ((UpstreamException) late.getCause()).code());
    assertFalse(target.log().contains("Accepted publickey"), target.log());
  }

  @Test
  void loginOnAnOpenedConnectionLogsInAsThePersonThroughThisSession() throws Exception {
    Grant grant = grant(target.hostKeyLine());
    UpstreamConnector upstream = connector(Duration.ofMinutes(1));
    TargetConnection opened = upstream.open(grant).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    ClientSession session =
        upstream.login(opened, grant, "s42").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(session.isAuthenticated());
    String accepted = awaitLogLine("Accepted publickey for " + login + " .*");
    assertTrue(accepted.contains("ID alice@example.com via bastion session s42"), accepted);

    ExecutionException twice =
        assertThrows(ExecutionException.class, () -> upstream.login(opened, grant, "s43").get());
    assertEquals("upstream_error", ((UpstreamException) twice.getCause()).code());
    assertTrue(session.isOpen(), "a second login must not end the first one's session");
    session.close(true);
  }

  @Test
  void aHostKeyOtherThanThePinnedOneIsRefusedBeforeAnyLogin() throws Exception {
    String otherKey = OpenSsh.read(OpenSsh.pub(OpenSsh.keygen(dir, "other_host_key")));
    Grant grant = grant(otherKey);
    UpstreamConnector upstream = connector(Duration.ofMinutes(1));
    for (CompletableFuture<?> attempt :
        List.of(upstream.open(grant), upstream.connect(grant, "s7"))) {
      ExecutionException failed =
          assertThrows(
              ExecutionException.class, () -> attempt.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      UpstreamException refused = assertInstanceOf(UpstreamException.class, failed.getCause());
      assertEquals("host_key_mismatch", refused.code());
      assertTrue(refused.getMessage().contains("not the pinned"), refused.getMessage());
    }
    assertFalse(target.log().contains("Accepted publickey"), target.log());
  }

  /** Waits for sshd to log a line matching {@code regex} (whole line after sshd's prefix). */
  private String awaitLogLine(String regex) throws InterruptedException {
    Pattern pattern = Pattern.compile("(?m)(" + regex + ")$");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(target.log());
      if (m.find()) {
        return m.group(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("sshd never logged /" + regex + "/:\n" + target.log());
  }
}
