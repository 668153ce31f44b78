package dev.bastion.e2e;

import dev.bastion.BastionServer;
import dev.bastion.audit.DiskReserve;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.proxy.SetupHold;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A running bastion (in this JVM) in front of a real OpenSSH sshd on loopback that trusts only the
 * bastion's upstream CA, and an engineer's key with a certificate from the user CA. Tests drive it
 * with the real {@code ssh}, {@code scp} and {@code sftp}.
 */
public final class GatewayFixture implements AutoCloseable {

  public final Path dir;
  public final Path dataDir;
  public final String login;
  public final OpenSshServer target;
  public final BastionServer bastion;
  public final Path userKey;
  public final Path knownHosts;

  private GatewayFixture(
      Path dir,
      Path dataDir,
      String login,
      OpenSshServer target,
      BastionServer bastion,
      Path userKey,
      Path knownHosts) {
    this.dir = dir;
    this.dataDir = dataDir;
    this.login = login;
    this.target = target;
    this.bastion = bastion;
    this.userKey = userKey;
    this.knownHosts = knownHosts;
  }

  /** Starts sshd and the bastion; {@code extraYaml} is appended to the generated configuration. */
  /** The lines of a recording's asciicast text, whatever its format on disk. */
  public static List<String> recordingLines(Path recording) throws java.io.IOException {
    return new String(
            dev.bastion.recorder.RecordingFormat.readPlain(recording),
            java.nio.charset.StandardCharsets.UTF_8)
        .lines()
        .toList();
  }

  public static GatewayFixture start(Path dir, String extraTargetsYaml) throws Exception {
    return start(dir, extraTargetsYaml, "");
  }

  /**
   * As {@link #start(Path, String)}, with more top-level configuration (e.g. {@code recording:}).
   */
  public static GatewayFixture start(Path dir, String extraTargetsYaml, String extraTopLevelYaml)
      throws Exception {
    return start(dir, extraTargetsYaml, extraTopLevelYaml, SetupHold.NONE);
  }

  /** As {@link #start(Path, String, String)}, holding session setup steps with {@code hold}. */
  public static GatewayFixture start(
      Path dir, String extraTargetsYaml, String extraTopLevelYaml, SetupHold hold)
      throws Exception {
    return start(dir, "", extraTargetsYaml, extraTopLevelYaml, hold, Clock.systemUTC(), null, null);
  }

  /**
   * As {@link #start(Path, String, String)}, with single sign-on through the identity provider
   * {@code providers} makes ({@code extraTopLevelYaml} holds {@code oidc:}, and may add roles with
   * lines indented by two spaces before it).
   */
  public static GatewayFixture start(
      Path dir, String extraTopLevelYaml, Function<BastionConfig.Oidc, IdentityProvider> providers)
      throws Exception {
    return start(
        dir, "", "", extraTopLevelYaml, SetupHold.NONE, Clock.systemUTC(), null, providers);
  }

  /**
   * As {@link #start(Path, String, Function)}, with more {@code ssh:} settings (indented lines).
   */
  public static GatewayFixture start(
      Path dir,
      String extraSshYaml,
      String extraTopLevelYaml,
      Function<BastionConfig.Oidc, IdentityProvider> providers)
      throws Exception {
    return start(
        dir,
        extraSshYaml,
        "",
        extraTopLevelYaml,
        SetupHold.NONE,
        Clock.systemUTC(),
        null,
        providers);
  }

  /**
   * As {@link #start(Path, String, String, SetupHold)}, with the free space of the data directory's
   * disk given by {@code freeSpace} (null: the real one).
   */
  public static GatewayFixture start(
      Path dir,
      String extraTargetsYaml,
      String extraTopLevelYaml,
      SetupHold hold,
      DiskReserve.FreeSpace freeSpace)
      throws Exception {
    return start(
        dir, "", extraTargetsYaml, extraTopLevelYaml, hold, Clock.systemUTC(), freeSpace, null);
  }

  /**
   * As {@link #start(Path, String, String)}, with more {@code ssh:} settings (indented lines) and
   * the bastion's clock.
   */
  public static GatewayFixture start(
      Path dir, String extraSshYaml, String extraTargetsYaml, String extraTopLevelYaml, Clock clock)
      throws Exception {
    return start(
        dir, extraSshYaml, extraTargetsYaml, extraTopLevelYaml, SetupHold.NONE, clock, null, null);
  }

  private static GatewayFixture start(
      Path dir,
      String extraSshYaml,
      String extraTargetsYaml,
      String extraTopLevelYaml,
      SetupHold hold,
      Clock clock,
      DiskReserve.FreeSpace freeSpace,
      Function<BastionConfig.Oidc, IdentityProvider> providers)
      throws Exception {
    OpenSsh.requireInstalled();
    String login = LoginAccount.name();
    Path dataDir = dir.resolve("data");
    CaKeyStore cas = new CaKeyStore(dataDir);
    cas.init();
    OpenSshServer target =
        OpenSshServer.builder(dir.resolve("target"))
            .trustedUserCaKeys(cas.load(CaKind.UPSTREAM).publicKeyLine())
            .config("AcceptEnv LANG LC_* GIT_PROTOCOL BASTION_TEST_*")
            .start();
    int webPort = OpenSshServer.freePort();
    // Tests log in from 127.0.0.1 many times, refused on purpose: a throttle that would not get in
    // their way, unless a test sets its own (extraTopLevelYaml starting with "ssh:" adds to ssh).
    String sshYaml =
        "  throttle: {connections: 100000, failed_logins: 100000, unauthenticated: 1000}\n";
    if (extraTopLevelYaml.startsWith("ssh:\n")) {
      String rest = extraTopLevelYaml.substring("ssh:\n".length());
      int end = 0;
      while (end < rest.length() && rest.startsWith("  ", end)) {
        int newline = rest.indexOf('\n', end);
        end = newline < 0 ? rest.length() : newline + 1;
      }
      sshYaml = rest.substring(0, end);
      extraTopLevelYaml = rest.substring(end);
    }
    String yaml =
        "ssh:\n"
            + "  listen: 127.0.0.1:0\n"
            + sshYaml
            + extraSshYaml
            + "web:\n"
            + "  listen: 127.0.0.1:"
            + webPort
            + "\n"
            + "  public_url: http://127.0.0.1:"
            + webPort
            + "\n"
            + "targets:\n"
            + "  web01:\n"
            + "    address: 127.0.0.1:"
            + target.port()
            + "\n"
            + "    host_key: \""
            + target.hostKeyLine()
            + "\"\n"
            + "    logins: ["
            + login
            + ", root]\n"
            + extraTargetsYaml
                .replace("TARGET_ADDRESS", "127.0.0.1:" + target.port())
                .replace("TARGET_HOST_KEY", target.hostKeyLine())
            + "roles:\n"
            + "  ops:\n"
            + "    targets: [\"web*\", \"db*\", \"down*\", \"evil*\", \"gated*\"]\n"
            + "    logins: ["
            + login
            + "]\n"
            + "    can: [shadow, terminate, replay, audit]\n"
            + "  viewer:\n"
            + "    targets: [\"web*\"]\n"
            + "    logins: ["
            + login
            + "]\n"
            + "  reviewer: {targets: [], can: [shadow]}\n"
            + extraTopLevelYaml;
    BastionConfig config = ConfigLoader.parse("test.yaml", yaml);
    BastionServer bastion =
        providers == null
            ? BastionServer.start(dataDir, config, clock, hold, freeSpace)
            : BastionServer.start(dataDir, config, clock, hold, freeSpace, providers);
    Path userKey = OpenSsh.keygen(dir, "id_engineer");
    issue(cas, userKey, "alice@example.com", List.of("ops"), Duration.ofHours(1));
    Path knownHosts = dir.resolve("known_hosts");
    OpenSsh.write(
        knownHosts,
        "@cert-authority [127.0.0.1]:"
            + bastion.sshPort()
            + " "
            + cas.load(CaKind.HOST).publicKeyLine()
            + "\n");
    return new GatewayFixture(dir, dataDir, login, target, bastion, userKey, knownHosts);
  }

  public static void issue(
      CaKeyStore cas, Path key, String identity, List<String> principals, Duration ttl) {
    var cert =
        cas.load(CaKind.USER)
            .sign(
                CertificateRequest.user(
                    OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                    identity,
                    principals,
                    ttl,
                    Clock.systemUTC()));
    OpenSsh.write(OpenSsh.cert(key), OpenSshKeys.toLine(cert, identity) + "\n");
  }

  public int port() {
    return bastion.sshPort();
  }

  /** {@code ssh} options every call uses: only our key, strict host checking with the host CA. */
  /** The real ssh client's command line for {@code remote} on the target as the test user. */
  public List<String> sshCommand(String remote) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port())));
    cmd.addAll(sshOptions(userKey));
    cmd.add(onTarget() + "@127.0.0.1");
    cmd.add(remote);
    return cmd;
  }

  public List<String> sshOptions(Path key) {
    return OpenSsh.clientOptions(key, knownHosts);
  }

  /** Runs the real ssh through the bastion as {@code user} with an optional remote command. */
  public CommandResult ssh(String user, String stdin, String... command) {
    return sshWith(userKey, user, stdin, command);
  }

  public CommandResult sshWith(Path key, String user, String stdin, String... command) {
    return ssh(sshOptions(key), user, stdin, command);
  }

  /**
   * As {@link #sshWith} but without batch mode, as a person at a terminal runs ssh: it also tries
   * keyboard-interactive once public key authentication has failed.
   */
  public CommandResult sshNotBatch(Path key, String user, String... command) {
    List<String> options = new ArrayList<>(sshOptions(key));
    options.replaceAll(o -> o.equals("BatchMode=yes") ? "BatchMode=no" : o);
    return ssh(options, user, null, command);
  }

  private CommandResult ssh(List<String> options, String user, String stdin, String... command) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port())));
    cmd.addAll(options);
    cmd.add(user + "@127.0.0.1");
    cmd.addAll(List.of(command));
    return ExternalCommand.of(cmd)
        .stdin(stdin == null ? "" : stdin)
        .timeout(Duration.ofMinutes(3))
        .run();
  }

  /** {@code LOGIN@web01}: the test account on the test sshd. */
  public String onTarget() {
    return login + "@web01";
  }

  @Override
  public void close() {
    bastion.close();
    target.close();
  }

  /** The first session that matches and whose recording is sealed; waits up to 20 s for it. */
  public dev.bastion.audit.SessionRecord awaitSealed(
      java.util.function.Predicate<dev.bastion.audit.SessionRecord> match)
      throws InterruptedException {
    dev.bastion.audit.AuditReader reader = new dev.bastion.audit.AuditReader(bastion.database());
    for (int i = 0; i < 400; i++) {
      var found =
          reader.sessions(false, 1000).stream()
              .filter(match)
              .filter(s -> s.recordingSha256() != null)
              .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no sealed session matched: " + reader.sessions(false, 10));
  }
}
