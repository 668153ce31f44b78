package dev.bastion.cli;

import dev.bastion.BastionServer;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CaKind;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code bastion serve}: runs until SIGTERM, then drains. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run the SSH gateway until SIGTERM, then end open sessions cleanly.")
final class ServeCommand extends Subcommand {
  @Override
  protected void run() throws Exception {
    BastionConfig config = ConfigLoader.load(root().configFile());
    BastionServer server = BastionServer.start(dataDir(), config, Clock.systemUTC());
    // With the audit stream on stdout, stdout holds JSON lines only.
    boolean streamOnStdout =
        config.audit().jsonLines().filter(BastionConfig.AuditDisk.STDOUT::equals).isPresent();
    java.io.PrintWriter out = streamOnStdout ? spec.commandLine().getErr() : out();
    out.println(
        "bastion: SSH gateway listening on "
            + config.ssh().listen().getAddress().getHostAddress()
            + ":"
            + server.sshPort()
            + " with "
            + config.targets().size()
            + " targets");
    out.println(
        "bastion: web viewer at "
            + config.web().publicUrl()
            + " (log in with: ssh -p "
            + server.sshPort()
            + " you@BASTION web-login)");
    out.println("bastion: clients trust it with this known_hosts line:");
    out.println("@cert-authority * " + server.cas().load(CaKind.HOST).publicKeyLine());
    out.flush();
    runUntilStopped(server);
  }

  static void runUntilStopped(BastionServer server) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "bastion-shutdown"));
    stopped.await();
  }
}
