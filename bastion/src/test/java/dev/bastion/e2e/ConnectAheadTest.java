package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bastion starts its connection to the target when the engineer logs in, to save time, but
 * never logs in there before a session asks for it, and closes what no session used.
 */
class ConnectAheadTest {
  @TempDir Path dir;

  @Test
  void aConnectionOpenedAtLoginNeverLogsInAndClosesWhenTheEngineerLeaves() throws Exception {
    // A long connect timeout: the connection's own give-up timer (timeout + 20 s) cannot be what
    // closes it within this test's wait.
    try (GatewayFixture gw =
        GatewayFixture.start(dir, "", "upstream:\n  connect_timeout: 120s\n")) {
      List<String> cmd = new ArrayList<>(List.of("ssh", "-N", "-p", Integer.toString(gw.port())));
      cmd.addAll(gw.sshOptions(gw.userKey));
      cmd.add(gw.onTarget() + "@127.0.0.1");
      Process ssh = new ProcessBuilder(cmd).start(); // logs in, asks for no session
      try {
        String port = awaitOpenConnection(gw);
        ssh.destroyForcibly();
        assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
        // Closed by the bastion, during the key exchange or after it ("[preauth]": it never got
        // past
        // authentication); never an authenticated connection.
        awaitLog(
            gw,
            "Connection (?:closed|reset) by 127\\.0\\.0\\.1 port (" + port + ")( \\[preauth\\])?$");
        assertFalse(gw.target.log().contains("Accepted publickey"), gw.target.log());
        assertFalse(gw.target.log().contains("authenticating user"), gw.target.log());
      } finally {
        ssh.destroyForcibly();
      }
    }
  }

  /**
   * The port of the bastion's connection to the target: one that sshd logged as opened and not
   * closed (the fixture's readiness probe is the one that opened and closed at once).
   */
  private static String awaitOpenConnection(GatewayFixture gw) throws InterruptedException {
    Pattern opened = Pattern.compile("Connection from 127\\.0\\.0\\.1 port (\\d+)");
    for (int i = 0; i < 600; i++) {
      String log = gw.target.log();
      Matcher m = opened.matcher(log);
      while (m.find()) {
        if (!log.contains("Connection closed by 127.0.0.1 port " + m.group(1))) {
          return m.group(1);
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the bastion never connected to the target:\n" + gw.target.log());
  }

  /** The first group of the first line of the target's log that matches, waiting up to 60 s. */
  private static String awaitLog(GatewayFixture gw, String regex) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
    for (int i = 0; i < 600; i++) {
      Matcher m = pattern.matcher(gw.target.log());
      if (m.find()) {
        return m.group(1);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the target's sshd never logged " + regex + ":\n" + gw.target.log());
  }
}
