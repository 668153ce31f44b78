package dev.bastion.e2e;

import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code bastion serve} as an operator runs it: a separate JVM (this test's class path), in front
 * of a real OpenSSH sshd on loopback, stopped with signals. Tests drive it with the real {@code
 * ssh} and plain HTTP.
 */
final class ServeProcess implements AutoCloseable {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  final Path dataDir;
  final Process process;
  final int sshPort;
  final int webPort;
  final String login;
  private final OpenSshServer target;
  private final Path userKey;
  private final Path knownHosts;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServeProcess(
      Path dataDir,
      Process process,
      int sshPort,
      int webPort,
      String login,
      OpenSshServer target,
      Path userKey,
      Path knownHosts,
      Path log) {
    this.dataDir = dataDir;
    this.process = process;
    this.sshPort = sshPort;
    this.webPort = webPort;
    this.login = login;
    this.target = target;
    this.userKey = userKey;
    this.knownHosts = knownHosts;
    this.log = log;
  }

  /** Starts sshd and {@code bastion serve}; {@code sshYaml} adds indented lines to {@code ssh:}. */
  static ServeProcess start(Path dir, String sshYaml) throws Exception {
    OpenSsh.requireInstalled();
    String login = LoginAccount.name();
    Path dataDir = dir.resolve("data");
    CaKeyStore cas = new CaKeyStore(dataDir);
    cas.init();
    OpenSshServer target =
        OpenSshServer.builder(dir.resolve("target"))
            .trustedUserCaKeys(cas.load(CaKind.UPSTREAM).publicKeyLine())
            .start();
    int webPort = OpenSshServer.freePort();
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(
        config,
        "ssh:\n  listen: 127.0.0.1:0\n"
            + sshYaml
            + "web:\n  listen: 127.0.0.1:"
            + webPort
            + "\ntargets:\n  web01:\n    address: 127.0.0.1:"
            + target.port()
            + "\n    host_key: \""
            + target.hostKeyLine()
            + "\"\n    logins: ["
            + login
            + "]\nroles:\n  ops:\n    targets: [\"web*\"]\n    logins: ["
            + login
            + "]\n    can: [shadow, terminate, replay, audit]\n");
    Path userKey = OpenSsh.keygen(dir, "id_engineer");
    GatewayFixture.issue(cas, userKey, "alice@example.com", List.of("ops"), Duration.ofHours(1));
    Path log = dir.resolve("serve.log");
    Process process = NodeProcess.launch(config, dataDir, log);
    int sshPort;
    try {
      sshPort = awaitSshPort(process, log);
    } catch (Exception | AssertionError e) {
      process.destroyForcibly();
      target.close();
      throw e;
    }
    Path knownHosts = dir.resolve("known_hosts");
    OpenSsh.write(
        knownHosts,
        "@cert-authority [127.0.0.1]:"
            + sshPort
            + " "
            + cas.load(CaKind.HOST).publicKeyLine()
            + "\n");
    return new ServeProcess(
        dataDir, process, sshPort, webPort, login, target, userKey, knownHosts, log);
  }

  /** The port from serve's first line, "bastion: SSH gateway listening on 127.0.0.1:PORT ...". */
  private static int awaitSshPort(Process process, Path log) throws Exception {
    String prefix = "bastion: SSH gateway listening on 127.0.0.1:";
    for (int i = 0; i < 600 && process.isAlive(); i++) {
      for (String line : Files.readAllLines(log)) {
        if (line.startsWith(prefix)) {
          return Integer.parseInt(line.substring(prefix.length()).split(" ")[0]);
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("bastion serve did not start:\n" + Files.readString(log));
  }

  /** The real ssh client's command line for {@code remote} on the target as the test user. */
  List<String> sshCommand(String user, String remote, String... options) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(sshPort)));
    cmd.addAll(OpenSsh.clientOptions(userKey, knownHosts));
    cmd.addAll(List.of(options));
    cmd.add(user + "@127.0.0.1");
    cmd.add(remote);
    return cmd;
  }

  /** {@code LOGIN@web01}: the test account on the test sshd. */
  String onTarget() {
    return login + "@web01";
  }

  CommandResult ssh(String user, String remote, String... options) {
    return ExternalCommand.of(sshCommand(user, remote, options)).timeout(PATIENCE).run();
  }

  /** An ssh session left running; its stderr lines are collected as they come. */
  Session session(String remote, String... options) throws Exception {
    Process ssh = new ProcessBuilder(sshCommand(onTarget(), remote, options)).start();
    return new Session(ssh);
  }

  /** Status and body of a GET on the web port, with {@code cookie} when not null. */
  String get(String path, String cookie) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path))
            .timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /**
   * Polls (readiness is cached for a second) until the answer to {@code path} is {@code wanted}.
   */
  String awaitGet(String path, Predicate<String> wanted) throws Exception {
    String last = null;
    for (int i = 0; i < 300; i++) {
      last = get(path, null);
      if (wanted.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " never answered as expected; last: " + last);
  }

  /** Signs in to the web viewer by the {@code web-login} link; returns the session cookie. */
  String webLogin() throws Exception {
    CommandResult link = ssh("me", "web-login");
    if (link.exitCode() != 0) {
      throw new AssertionError(link.toString());
    }
    HttpResponse<String> login =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(link.stdout().strip())).build(),
                HttpResponse.BodyHandlers.ofString());
    return login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
  }

  /** Waits for the process to exit (well within PATIENCE); its exit status. */
  int awaitExit() throws Exception {
    if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("bastion serve did not exit:\n" + output());
    }
    return process.exitValue();
  }

  String output() throws Exception {
    return Files.readString(log);
  }

  @Override
  public void close() {
    process.destroyForcibly();
    target.close();
  }

  /** A running ssh client: its stdin, and its stderr lines as they arrive. */
  static final class Session {
    final Process ssh;
    private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    Session(Process ssh) {
      this.ssh = ssh;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader err =
                    new BufferedReader(
                        new InputStreamReader(ssh.getErrorStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = err.readLine()) != null) {
                    stderr.add(line);
                  }
                } catch (java.io.IOException e) {
                  // the client ended
                }
              },
              "ssh-stderr");
      reader.setDaemon(true);
      reader.start();
    }

    /** The first stdout line (the remote command says it started). */
    String firstLine() throws Exception {
      return new BufferedReader(new InputStreamReader(ssh.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }

    /** The next stderr line that contains {@code text}, within PATIENCE. */
    String awaitStderr(String text) throws InterruptedException {
      long end = System.nanoTime() + PATIENCE.toNanos();
      while (System.nanoTime() < end) {
        String line = stderr.poll(1, TimeUnit.SECONDS);
        if (line != null) {
          seen.add(line);
          if (line.contains(text)) {
            return line;
          }
        }
      }
      throw new AssertionError("ssh never said '" + text + "'; it said: " + seen);
    }

    void type(String line) throws java.io.IOException {
      ssh.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
      ssh.getOutputStream().flush();
    }

    int awaitExit() throws InterruptedException {
      if (!ssh.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
        ssh.destroyForcibly();
        throw new AssertionError("ssh did not end; stderr: " + seen);
      }
      return ssh.exitValue();
    }
  }
}
