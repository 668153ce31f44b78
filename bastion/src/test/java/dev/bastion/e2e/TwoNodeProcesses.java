package dev.bastion.e2e;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import dev.bastion.testsupport.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Two bastion nodes as separate JVMs ({@link NodeProcess}) acting as one fleet, as an operator runs
 * them: one new PostgreSQL database, the same {@code ca/} (copied from A to B), one cluster on
 * loopback, one recordings directory, and one target sshd trusting their upstream CA. The test
 * reads the database itself through {@link #reader()}.
 */
public final class TwoNodeProcesses implements AutoCloseable {
  public final NodeProcess a;
  public final NodeProcess b;
  public final OpenSshServer target;
  public final String login = LoginAccount.name();
  public final Path userKey;
  private final Path knownHosts;
  private final AuditDatabase database;
  private final RecordingStore recordings;

  private TwoNodeProcesses(
      NodeProcess a,
      NodeProcess b,
      OpenSshServer target,
      Path userKey,
      Path knownHosts,
      AuditDatabase database,
      RecordingStore recordings) {
    this.recordings = recordings;
    this.a = a;
    this.b = b;
    this.target = target;
    this.userKey = userKey;
    this.knownHosts = knownHosts;
    this.database = database;
  }

  /** Prepares both nodes and starts them, A first; returns once both answer {@code /readyz}. */
  public static TwoNodeProcesses start(Path dir) throws Exception {
    OpenSsh.requireInstalled();
    PostgresServer postgres = PostgresServer.shared();
    String url = postgres.newDatabase();
    Path password = dir.resolve("db.password");
    Files.writeString(password, postgres.password() + "\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    Path dataA = dir.resolve("node-a/data");
    Path dataB = dir.resolve("node-b/data");
    dev.bastion.cli.CliRun.of(dataA, "ca", "init").ok(); // as an operator does, then copies ca/
    CaKeyStore cas = new CaKeyStore(dataA);
    TwoNodes.copyTree(dataA, dataB);
    Path shared = dir.resolve("shared-recordings");
    String recordings = shareRecordings(shared);
    OpenSshServer target =
        OpenSshServer.builder(dir.resolve("target"))
            .trustedUserCaKeys(cas.load(CaKind.UPSTREAM).publicKeyLine())
            .start();
    int clusterA = TwoNodes.freePortPair();
    int clusterB = TwoNodes.freePortPair();
    String common =
        recordings
            + "database:\n  url: "
            + url
            + "\n  user: "
            + PostgresServer.USER
            + "\n  password_file: "
            + password
            + "\ncluster:\n  members: [127.0.0.1:"
            + clusterA
            + ", 127.0.0.1:"
            + clusterB
            + "]\n";
    NodeProcess a = node(dir, "node-a", dataA, clusterA, common, target);
    NodeProcess b = node(dir, "node-b", dataB, clusterB, common, target);
    Path userKey = OpenSsh.keygen(dir, "id_engineer");
    GatewayFixture.issue(cas, userKey, "alice@example.com", List.of("ops"), Duration.ofHours(1));
    Path knownHosts = dir.resolve("known_hosts");
    String hostCa = cas.load(CaKind.HOST).publicKeyLine();
    OpenSsh.write(
        knownHosts,
        "@cert-authority [127.0.0.1]:"
            + a.sshPort
            + " "
            + hostCa
            + "\n@cert-authority [127.0.0.1]:"
            + b.sshPort
            + " "
            + hostCa
            + "\n");
    AuditDatabase database =
        AuditDatabase.open(
            Optional.of(
                new BastionConfig.Database(
                    url, PostgresServer.USER, new BastionConfig.Secret(postgres.password()))),
            dir);
    TwoNodeProcesses fleet =
        new TwoNodeProcesses(
            a, b, target, userKey, knownHosts, database, RecordingStore.at(shared));
    try {
      a.start();
      b.start();
      return fleet;
    } catch (Exception | Error e) {
      fleet.close();
      throw e;
    }
  }

  /**
   * One recordings directory both nodes write ({@code recording.dir}), as a shared mount would be;
   * returns the configuration that says so.
   */
  private static String shareRecordings(Path shared) throws IOException {
    Files.createDirectories(
        shared, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return "recording:\n  dir: " + shared + "\n";
  }

  /** The recording file of a session, in the shared directory. */
  public Path recordingOf(SessionRecord session) {
    return recordings.resolve(session.recordingPath()).orElseThrow();
  }

  private static NodeProcess node(
      Path dir, String name, Path dataDir, int clusterPort, String common, OpenSshServer target)
      throws IOException {
    int ssh = OpenSshServer.freePort();
    int web = OpenSshServer.freePort();
    String login = LoginAccount.name();
    String yaml =
        "ssh:\n  listen: 127.0.0.1:"
            + ssh
            + "\n  throttle: {connections: 100000, failed_logins: 100000, unauthenticated: 1000}\n"
            + "web:\n  listen: 127.0.0.1:"
            + web
            + "\n  public_url: http://127.0.0.1:"
            + web
            + "\ntargets:\n  web01:\n    address: 127.0.0.1:"
            + target.port()
            + "\n    host_key: \""
            + target.hostKeyLine()
            + "\"\n    logins: ["
            + login
            + "]\nroles:\n  ops:\n    targets: [\"web*\"]\n    logins: ["
            + login
            + "]\n    can: [shadow, terminate, replay, audit]\n"
            + common
            + "  name: "
            + name
            + "\n  listen: 127.0.0.1:"
            + clusterPort
            + "\n";
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, yaml);
    return new NodeProcess(name, config, dataDir, ssh, web);
  }

  /** The real ssh client's command line for {@code remote} on the target through {@code node}. */
  public List<String> ssh(NodeProcess node, String remote) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(node.sshPort)));
    cmd.addAll(OpenSsh.clientOptions(userKey, knownHosts));
    cmd.add(login + "@web01@127.0.0.1");
    cmd.add(remote);
    return cmd;
  }

  /** The fleet's audit database, read by the test itself. */
  public AuditReader reader() {
    return new AuditReader(database);
  }

  /** The first session that matches {@code match}, waiting up to a minute for it. */
  public SessionRecord await(Predicate<SessionRecord> match) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      Optional<SessionRecord> found =
          reader().sessions(false, 1000).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no session matched: " + reader().sessions(false, 10));
  }

  @Override
  public void close() {
    try {
      b.close();
    } finally {
      try {
        a.close();
      } finally {
        database.close();
        target.close();
      }
    }
  }
}
