package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 3 of issue 13: {@code GIT_PROTOCOL} reaches the target by default (git protocol v2), a
 * variable outside {@code ssh.accept_env} does not, and the list is configurable. The test sshd
 * accepts both variables, so only the bastion decides.
 */
class EnvironmentAllowlistTest {
  @TempDir Path dir;

  @Test
  void gitProtocolPassesByDefaultAndOtherVariablesDoNot() throws Exception {
    try (GatewayFixture gw = GatewayFixture.start(dir, "")) {
      CommandResult r = printEnv(gw);
      assertEquals("GIT_PROTOCOL=version=2\nBASTION_TEST_SECRET=\n", r.stdout(), r.toString());
    }
  }

  @Test
  void theAllowlistIsConfigurableWithGlobs() throws Exception {
    try (GatewayFixture gw =
        GatewayFixture.start(dir, "", "ssh:\n  accept_env: [LANG, \"BASTION_TEST_*\"]\n")) {
      CommandResult r = printEnv(gw);
      assertEquals("GIT_PROTOCOL=\nBASTION_TEST_SECRET=s3\n", r.stdout(), r.toString());
    }
  }

  private static CommandResult printEnv(GatewayFixture gw) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(
        List.of(
            "-o",
            "SetEnv=GIT_PROTOCOL=version=2 BASTION_TEST_SECRET=s3",
            gw.onTarget() + "@127.0.0.1",
            "echo GIT_PROTOCOL=$GIT_PROTOCOL; echo BASTION_TEST_SECRET=$BASTION_TEST_SECRET"));
    CommandResult r = ExternalCommand.of(cmd).timeout(Duration.ofMinutes(1)).run();
    assertEquals(0, r.exitCode(), r.toString());
    return r;
  }
}
