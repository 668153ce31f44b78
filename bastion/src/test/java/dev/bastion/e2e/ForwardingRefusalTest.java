package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSshServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 2 of issue 13: every kind of forwarding the real {@code ssh} asks for is refused with a
 * {@code bastion:} line saying what to do instead, and leaves a {@code forwarding_refused} row with
 * the requested destination.
 */
class ForwardingRefusalTest {
  private static final String PROHIBITED = "open failed: administratively prohibited: bastion: ";
  private static final String IDENTITY = "alice@example.com";

  @TempDir Path dir;

  /** One bastion per test: refusals of one kind from one address are merged into one row. */
  private GatewayFixture gw;

  @BeforeEach
  void start() throws Exception {
    gw = GatewayFixture.start(dir, "");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void stdioForwardSaysTheBastionIsNotAJumpHost() throws Exception {
    CommandResult r = run(List.of("-W", "web01:22"), gw.onTarget());
    assertEquals(255, r.exitCode(), r.toString());
    assertTrue(
        r.stderr()
            .contains(
                PROHIBITED
                    + "this bastion is not a jump host (ssh -J, -W); log in to"
                    + " web01 through it as ssh -p "
                    + gw.port()
                    + " LOGIN@web01@"),
        r.stderr());
    assertTrue(r.stderr().contains("in ssh_config: Host web01 / HostName "), r.stderr());
    assertEquals("web01:22", row("jump", "web01:22").target());
  }

  @Test
  void proxyJumpSaysTheBastionIsNotAJumpHost() throws Exception {
    Path config = dir.resolve("ssh_config");
    Files.writeString(
        config,
        "Host *\n  IdentityFile "
            + gw.userKey
            + "\n  IdentitiesOnly yes\n  IdentityAgent none\n  BatchMode yes\n"
            + "  UserKnownHostsFile "
            + gw.knownHosts
            + "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
            + "  ConnectTimeout 10\n");
    CommandResult r =
        ExternalCommand.of(
                "ssh",
                "-F",
                config.toString(),
                "-J",
                "jumper@127.0.0.1:" + gw.port(),
                gw.login + "@db07",
                "true")
            .timeout(Duration.ofMinutes(1))
            .run();
    assertEquals(255, r.exitCode(), r.toString());
    assertTrue(
        r.stderr().contains(PROHIBITED + "this bastion is not a jump host (ssh -J, -W)"),
        r.stderr());
    assertTrue(r.stderr().contains(" LOGIN@db07@"), r.stderr());
    row("jump", "db07:22");
  }

  @Test
  void localForwardSaysPortForwardingIsNotAllowed() throws Exception {
    int local = OpenSshServer.freePort();
    String stderr =
        whileForwarding(
            List.of("-L", "127.0.0.1:" + local + ":db01:5432"),
            local,
            () -> {
              try (Socket socket = new Socket("127.0.0.1", local)) {
                socket.setSoTimeout(20_000);
                InputStream in = socket.getInputStream();
                assertEquals(-1, in.read(), "ssh closes the forwarded connection");
              }
            });
    assertTrue(
        stderr.contains(
            PROHIBITED
                + "port forwarding (ssh -L, -D) of db01:5432 is not allowed through this bastion;"
                + " reach targets with ssh -p "
                + gw.port()
                + " LOGIN@TARGET@"),
        stderr);
    row("port_forward", "db01:5432");
  }

  @Test
  void dynamicForwardSaysPortForwardingIsNotAllowedAndABusyOneLeavesOneRow() throws Exception {
    int socks = OpenSshServer.freePort();
    String stderr =
        whileForwarding(
            List.of("-D", "127.0.0.1:" + socks),
            socks,
            () -> {
              for (int i = 0; i < 5; i++) {
                Proxy proxy =
                    new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", socks));
                try (Socket socket = new Socket(proxy)) {
                  assertThrows(
                      IOException.class,
                      () ->
                          socket.connect(InetSocketAddress.createUnresolved("socks.example", 443)));
                }
              }
            });
    assertTrue(
        stderr.contains(PROHIBITED + "port forwarding (ssh -L, -D) of socks.example:443 is not"),
        stderr);
    row("port_forward", "socks.example:443");
    // The other four are counted into one row written at the end of the window, not one each.
    assertEquals(1, rows().stream().filter(e -> "socks.example:443".equals(e.target())).count());
  }

  @Test
  void remoteForwardIsExplainedInTheSessionAndAudited() throws Exception {
    int remote = OpenSshServer.freePort();
    CommandResult r =
        run(List.of("-R", "127.0.0.1:" + remote + ":127.0.0.1:22"), gw.onTarget(), "echo", "in");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("in\n", r.stdout());
    assertTrue(
        r.stderr().contains("remote port forwarding failed for listen port " + remote), r.stderr());
    assertTrue(
        r.stderr()
            .contains(
                "bastion: remote forwarding (ssh -R) of 127.0.0.1:"
                    + remote
                    + " is not allowed through this bastion"),
        r.stderr());
    row("remote_forward", "127.0.0.1:" + remote);
  }

  @Test
  void x11ForwardingIsExplainedInTheSessionAndAudited() throws Exception {
    CommandResult r =
        ExternalCommand.of(command(List.of("-X"), gw.onTarget(), "echo", "in"))
            .env("DISPLAY", "127.0.0.1:93")
            .timeout(Duration.ofMinutes(1))
            .run();
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(
        r.stderr().contains("bastion: X11 forwarding is not allowed through the bastion"),
        r.stderr());
    awaitCode("x11");
  }

  private void awaitCode(String code) throws InterruptedException {
    for (int i = 0; i < 200 && rows().stream().noneMatch(e -> code.equals(e.code())); i++) {
      Thread.sleep(50);
    }
    assertTrue(rows().stream().anyMatch(e -> code.equals(e.code())), rows().toString());
  }

  private interface Use {
    void run() throws Exception;
  }

  /** Runs {@code ssh -N} with a forward until it listens on {@code port}, uses it, and ends it. */
  private String whileForwarding(List<String> forward, int port, Use use) throws Exception {
    List<String> cmd = command(forward, gw.onTarget());
    cmd.add(cmd.size() - 1, "-N");
    Path err = Files.createTempFile(dir, "ssh", ".err");
    Process ssh =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    try {
      awaitListening(ssh, port, err);
      use.run();
    } finally {
      ssh.destroy();
      ssh.waitFor(20, TimeUnit.SECONDS);
    }
    return Files.readString(err);
  }

  private void awaitListening(Process ssh, int port, Path err) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (!ssh.isAlive()) {
        throw new AssertionError("ssh ended: " + Files.readString(err));
      }
      try (Socket probe = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("ssh does not listen on " + port + ": " + Files.readString(err));
  }

  private CommandResult run(List<String> extra, String user, String... remote) {
    return ExternalCommand.of(command(extra, user, remote)).timeout(Duration.ofMinutes(1)).run();
  }

  private List<String> command(List<String> extra, String user, String... remote) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(extra);
    cmd.add(user + "@127.0.0.1");
    cmd.addAll(List.of(remote));
    return cmd;
  }

  private AuditEvent row(String code, String target) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      for (AuditEvent e : rows()) {
        if (code.equals(e.code()) && target.equals(e.target())) {
          assertEquals(IDENTITY, e.identity());
          assertEquals("127.0.0.1", e.sourceAddress());
          return e;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no forwarding_refused row " + code + " " + target + ": " + rows());
  }

  private List<AuditEvent> rows() {
    return new AuditReader(gw.bastion.database())
        .events(null, IDENTITY, 1000).stream()
            .filter(e -> e.kind() == AuditKind.FORWARDING_REFUSED)
            .toList();
  }
}
