package dev.bastion.cli;

import dev.bastion.BastionServer;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CaKind;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bastion serve}: runs until SIGTERM, then drains (up to {@code ssh.shutdown_grace}) and
 * exits.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run the SSH gateway until SIGTERM; then accept nothing new, let open sessions go on up to"
            + " ssh.shutdown_grace, end the rest cleanly and exit (a second SIGTERM ends them"
            + " at once).")
final class ServeCommand extends Subcommand {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);

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

  /**
   * Runs until SIGTERM or SIGINT, then drains ({@link BastionServer#drain}): a second one ends the
   * sessions left at once. Anything else that stops the JVM (SIGHUP, an error) ends them at once.
   */
  static void runUntilStopped(BastionServer server) throws InterruptedException {
    CountDownLatch signalled = new CountDownLatch(1);
    AtomicInteger signals = new AtomicInteger();
    SignalHandler stop =
        signal -> {
          if (signals.getAndIncrement() == 0) {
            signalled.countDown();
          } else {
            server.endNow();
          }
        };
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bastion-shutdown"));
    try {
      Signal.handle(new Signal("TERM"), stop);
      Signal.handle(new Signal("INT"), stop);
    } catch (IllegalArgumentException e) {
      // The JVM keeps these signals (-Xrs): they run the shutdown hook, which ends sessions at
      // once.
      LOG.warn(
          "cannot handle SIGTERM ({}); sessions are ended at once on shutdown", e.getMessage());
    }
    signalled.await();
    server.drain();
    server.close();
  }
}
