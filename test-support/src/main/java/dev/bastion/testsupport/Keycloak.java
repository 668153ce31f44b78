package dev.bastion.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Keycloak (OpenID provider) on loopback, shared by every test of a JVM: started lazily by
 * the first {@link #shared()} call, stopped by a shutdown hook. Runs {@code kc.sh start-dev} over
 * plain http with an in-memory database and imports the realm {@code eng} from {@code
 * keycloak/eng-realm.json} (this module's resources): confidential client {@code bastion}
 * (authorization code flow with PKCE S256 required, device authorization grant, redirect URIs on
 * any loopback port, {@code groups} claim without leading slash), and the directory users {@link
 * #ALICE} (group sre), {@link #BOB} (group approvers), {@link #CAROL} (no group).
 *
 * <p>The distribution is unpacked by the build (maven-dependency-plugin, execution {@code
 * unpack-keycloak} of the parent pom) and found through the system property {@code
 * bastion.keycloak.home}, which the parent's surefire configuration sets. Keycloak's output goes to
 * {@code target/keycloak-run/keycloak.log}.
 *
 * <p>Notes for the SSO code: the client requires PKCE S256, and Keycloak applies that to the device
 * authorization request too (without {@code code_challenge} it answers {@code invalid_request:
 * Missing parameter: code_challenge_method}). Keycloak 26.7.3 runs on Java 17; the test JVM's own
 * Java runs it. The start takes about 50 s on a loaded 2-core machine from a clean target (24 s of
 * it is Quarkus re-augmentation, skipped on later runs while target/keycloak stays).
 */
public final class Keycloak {
  public static final String REALM = "eng";
  public static final String CLIENT_ID = "bastion";
  public static final String CLIENT_SECRET = "bastion-test-secret";

  /**
   * A test-only client with direct access grants (password grant), so a test gets tokens for a
   * directory user without a browser. The bastion's own client {@link #CLIENT_ID} has none.
   */
  public static final String DIRECT_CLIENT_ID = "bastion-test-direct";

  public static final String DIRECT_CLIENT_SECRET = "bastion-test-direct-secret";

  /**
   * A test-only client with the bastion client's settings (device grant, PKCE S256) whose device
   * codes expire after 3 seconds (client attribute {@code oauth2.device.code.lifespan}), so a test
   * sees a real expiry.
   */
  public static final String SHORT_CODE_CLIENT_ID = "bastion-short-code";

  public static final String SHORT_CODE_CLIENT_SECRET = "bastion-short-code-secret";

  /** A user of the realm: signs in with {@code email} and {@code password}. */
  public record DirectoryUser(String email, String password, List<String> groups) {}

  public static final DirectoryUser ALICE =
      new DirectoryUser("alice@example.com", "alice-password", List.of("sre"));
  public static final DirectoryUser BOB =
      new DirectoryUser("bob@example.com", "bob-password", List.of("approvers"));
  public static final DirectoryUser CAROL =
      new DirectoryUser("carol@example.com", "carol-password", List.of());

  private static final String HOME_PROPERTY = "bastion.keycloak.home";
  private static final Duration START_LIMIT = Duration.ofMinutes(4);
  private static Keycloak shared;

  private final Process process;
  private final URI baseUri;
  private final Path log;
  private final Duration startTime;

  private Keycloak(Process process, URI baseUri, Path log, Duration startTime) {
    this.process = process;
    this.baseUri = baseUri;
    this.log = log;
    this.startTime = startTime;
  }

  /** The Keycloak of this JVM, started on first use (about a minute on a 2-core machine). */
  public static synchronized Keycloak shared() {
    if (shared == null) {
      shared = start();
      Keycloak started = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "keycloak-stop"));
    }
    return shared;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return baseUri;
  }

  /** The realm's issuer, as it appears in {@code iss} of its tokens. */
  public String issuer() {
    return baseUri + "/realms/" + REALM;
  }

  public URI discoveryUri() {
    return URI.create(issuer() + "/.well-known/openid-configuration");
  }

  /** Keycloak's console output, for debugging a failed test. */
  public Path log() {
    return log;
  }

  /** From launching {@code kc.sh} to the discovery document answering. */
  public Duration startTime() {
    return startTime;
  }

  private static Keycloak start() {
    Path home = home();
    Path runDir = Path.of("target", "keycloak-run").toAbsolutePath();
    try {
      Files.createDirectories(runDir);
      Path imports = Files.createDirectories(home.resolve("data").resolve("import"));
      copyRealm(imports.resolve(REALM + "-realm.json"));
      int port = OpenSshServer.freePort();
      Path log = runDir.resolve("keycloak.log");
      ProcessBuilder builder =
          new ProcessBuilder(
              "/bin/bash",
              home.resolve("bin").resolve("kc.sh").toString(),
              "start-dev",
              "--http-host=127.0.0.1",
              "--http-port=" + port,
              "--import-realm",
              "--db=dev-mem",
              "--health-enabled=false",
              "--metrics-enabled=false");
      builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
      builder.redirectErrorStream(true).redirectOutput(log.toFile());
      Instant launched = Instant.now();
      Process process = builder.start();
      URI base = URI.create("http://127.0.0.1:" + port);
      Keycloak keycloak = new Keycloak(process, base, log, Duration.ZERO);
      keycloak.awaitDiscovery(launched);
      return new Keycloak(process, base, log, Duration.between(launched, Instant.now()));
    } catch (IOException e) {
      throw new UncheckedIOException("Keycloak did not start from " + home, e);
    }
  }

  private static Path home() {
    String configured = System.getProperty(HOME_PROPERTY);
    if (configured == null || !Files.isRegularFile(Path.of(configured, "bin", "kc.sh"))) {
      throw new IllegalStateException(
          "No Keycloak distribution at "
              + HOME_PROPERTY
              + "="
              + configured
              + ": declare maven-dependency-plugin (execution unpack-keycloak of the parent pom)"
              + " in this module's pom and run the tests through Maven");
    }
    return Path.of(configured).toAbsolutePath();
  }

  private static void copyRealm(Path target) throws IOException {
    try (InputStream realm = Keycloak.class.getResourceAsStream("/keycloak/eng-realm.json")) {
      if (realm == null) {
        throw new IllegalStateException("keycloak/eng-realm.json is missing from test-support");
      }
      Files.copy(realm, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void awaitDiscovery(Instant launched) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(discoveryUri()).timeout(Duration.ofSeconds(5)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Keycloak exited with " + process.exitValue() + " while starting; see " + log);
      }
      if (Duration.between(launched, Instant.now()).compareTo(START_LIMIT) > 0) {
        stop();
        throw new IllegalStateException(
            "Keycloak's discovery document did not answer within " + START_LIMIT + "; see " + log);
      }
      if (answers(http, request)) {
        return;
      }
      OpenSshServer.sleep(250);
    }
  }

  private static boolean answers(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while Keycloak starts", e);
    }
  }

  /** Stops Keycloak and the JVM kc.sh started (kc.sh execs java, so the process is that JVM). */
  private void stop() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
