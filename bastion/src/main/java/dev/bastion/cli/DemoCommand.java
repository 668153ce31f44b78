package dev.bastion.cli;

import dev.bastion.BastionServer;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.demo.DemoTarget;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bastion demo}: the gateway plus a demo target and a demo engineer, ready to try. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the bastion with a demo target host and a demo user key; prints the ssh line to try.")
final class DemoCommand extends Subcommand {
  @Option(
      names = "--listen",
      defaultValue = "127.0.0.1:2222",
      description = "SSH listen address (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--web-listen",
      defaultValue = "127.0.0.1:8080",
      description = "Web viewer address (default: ${DEFAULT-VALUE}).")
  String webListen;

  @Override
  protected void run() throws Exception {
    Path data = dataDir();
    Path demo = data.resolve("demo");
    Files.createDirectories(
        demo, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    CaKeyStore cas = new CaKeyStore(data);
    cas.init();
    DemoTarget target = DemoTarget.start(demo, cas.load(CaKind.UPSTREAM).publicKey());
    String login = "demo";
    BastionConfig config =
        ConfigLoader.parse(
            "demo configuration",
            "ssh:\n  listen: "
                + listen
                + "\n  shutdown_grace: 0\n" // Ctrl-C stops the demo at once
                + "web:\n  listen: "
                + webListen
                + "\n  public_url: http://"
                + webListen
                + "\n"
                + "targets:\n  demo:\n    address: 127.0.0.1:"
                + target.port()
                + "\n"
                + "    host_key: \""
                + OpenSshKeys.toLine(target.hostKey(), null)
                + "\"\n"
                + "    logins: ["
                + login
                + "]\n"
                + "roles:\n  demo:\n    targets: [\"*\"]\n    logins: ["
                + login
                + "]\n"
                + "    can: [shadow, terminate, replay, audit, approve]\n");
    Path key = demoUserKey(demo, cas);
    BastionServer server;
    try {
      server = BastionServer.start(data, config, Clock.systemUTC());
    } catch (Exception e) {
      target.close();
      throw e;
    }
    Path knownHosts = demo.resolve("known_hosts");
    Files.writeString(
        knownHosts,
        "@cert-authority [127.0.0.1]:"
            + server.sshPort()
            + " "
            + cas.load(CaKind.HOST).publicKeyLine()
            + "\n");
    out()
        .println(
            "bastion demo: gateway on 127.0.0.1:"
                + server.sshPort()
                + ", demo target on 127.0.0.1:"
                + target.port());
    out().println();
    out()
        .println(
            "Log in through the bastion (a shell on the demo target, recorded in the audit log):");
    out().println();
    out()
        .println(
            "  ssh -p "
                + server.sshPort()
                + " -i "
                + key
                + " -o IdentitiesOnly=yes -o UserKnownHostsFile="
                + knownHosts
                + " "
                + login
                + "@demo@127.0.0.1");
    out().println();
    out()
        .println(
            "Also try the bastion's own commands (targets, whoami, web-login) with the same options and user");
    out().println("'me@127.0.0.1', and 'bastion sessions' / 'bastion audit' in another terminal.");
    out().println();
    out()
        .println(
            "Watch sessions live and replay them in the web viewer (this link works once, for 60 seconds):");
    out().println();
    String token =
        server
            .loginTokens()
            .issue(
                "demo@bastion",
                java.util.EnumSet.allOf(dev.bastion.web.WebRight.class),
                java.time.Instant.now().plus(Duration.ofHours(8)))
            .await();
    out()
        .println(
            "  "
                + config.web().publicUrl().replaceAll(":\\d+$", "")
                + ":"
                + server.webPort()
                + "/login?token="
                + token);
    out().println();
    out().println("Ctrl-C stops the demo.");
    out().flush();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    target.close();
                  } catch (Exception ignored) {
                    // stopping anyway
                  }
                },
                "demo-target-shutdown"));
    ServeCommand.runUntilStopped(server);
  }

  /** The demo engineer's key (created once) and a fresh 8-hour certificate for role "demo". */
  private static Path demoUserKey(Path demo, CaKeyStore cas) throws Exception {
    Path key = demo.resolve("id_ed25519");
    if (!Files.exists(key)) {
      KeyPair pair = OpenSshKeys.generateEd25519();
      OpenSshKeys.writeNewPrivateKey(pair, "demo@bastion", key);
      Files.writeString(
          demo.resolve("id_ed25519.pub"),
          OpenSshKeys.toLine(pair.getPublic(), "demo@bastion") + "\n",
          StandardCharsets.UTF_8);
    }
    var pub = OpenSshKeys.readPublicKey(demo.resolve("id_ed25519.pub"));
    var cert =
        cas.load(CaKind.USER)
            .sign(
                CertificateRequest.user(
                    pub, "demo@bastion", List.of("demo"), Duration.ofHours(8), Clock.systemUTC()));
    Path certFile = demo.resolve("id_ed25519-cert.pub");
    Files.writeString(
        certFile, OpenSshKeys.toLine(cert, "demo@bastion") + "\n", StandardCharsets.UTF_8);
    return key;
  }
}
