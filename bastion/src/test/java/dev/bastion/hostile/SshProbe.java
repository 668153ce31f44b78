package dev.bastion.hostile;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.OpenSsh;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;

/**
 * A MINA SSH client for hostile tests: many login attempts fast (the real {@code ssh} is too slow
 * for a flood), and the audit rows they leave.
 */
final class SshProbe implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final SshClient client = SshClient.setUpDefaultClient();

  SshProbe() {
    client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
    client.setKeyIdentityProvider(session -> List.of());
    client.setPasswordIdentityProvider(session -> List.of());
    client.start();
  }

  /** One login attempt with {@code key}; true if it logged in. Never throws. */
  boolean tryLogin(int port, String user, KeyPair key) {
    ClientSession session = null;
    try {
      session = login(port, user, key);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } finally {
      if (session != null) {
        session.close(true);
      }
    }
  }

  /** A logged-in session, left open. */
  ClientSession login(int port, String user, KeyPair key) throws IOException {
    ClientSession session = client.connect(user, "127.0.0.1", port).verify(WAIT).getSession();
    try {
      session.addPublicKeyIdentity(key);
      // A connection the bastion closes early does not fail the auth future; its close tells.
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      session.auth().addListener(auth -> done.complete(auth.isSuccess()));
      session.addCloseFutureListener(closed -> done.complete(false));
      if (!done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("not logged in");
      }
      return session;
    } catch (IOException | RuntimeException e) {
      session.close(true);
      throw e;
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      session.close(true);
      throw new IOException(e);
    }
  }

  /** The key pair with its certificate as public half, as MINA's client presents certificates. */
  static KeyPair certified(Path key) {
    return new KeyPair(
        OpenSshKeys.readCertificate(OpenSsh.cert(key)),
        OpenSshKeys.readPrivateKey(key).getPrivate());
  }

  static List<AuditEvent> events(GatewayFixture gw) {
    return new AuditReader(gw.bastion.database()).events(null, null, 100_000);
  }

  static List<AuditEvent> events(GatewayFixture gw, AuditKind kind) {
    return events(gw).stream().filter(e -> e.kind() == kind).toList();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting: " + what);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    client.stop();
  }
}
