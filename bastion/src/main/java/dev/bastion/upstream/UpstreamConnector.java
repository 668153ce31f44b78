package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.policy.Grant;
import dev.bastion.ssh.Algorithms;
import dev.bastion.ssh.ProxyTuning;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs in to targets for sessions, in two steps so that the slow part can start early: {@link
 * #open} connects, exchanges keys and verifies the host key without authenticating; {@link #login}
 * then logs in. Each login uses a fresh key pair and a certificate from the upstream CA that lives
 * about two minutes, principal = the login, key id "{@code <identity> via bastion session <id>}",
 * so the target's own logs name the person. The bastion holds no long-lived credential for any
 * target.
 */
public final class UpstreamConnector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

  /** How long the bastion's certificate for one target login is valid. */
  public static final Duration CERTIFICATE_LIFETIME = Duration.ofMinutes(2);

  private final SshClient client;
  private final CertificateAuthority upstreamCa;
  private final BastionConfig.Upstream settings;
  private final Clock clock;
  private final Duration abandonAfter;
  private final PreparedKeyExchange preparedKeys = new PreparedKeyExchange();

  /** DNS lookups and connects may block; they run here, never on MINA's I/O threads. */
  private final ExecutorService connecting;

  public UpstreamConnector(
      CertificateAuthority upstreamCa, BastionConfig.Upstream settings, Clock clock) {
    this(upstreamCa, settings, clock, settings.connectTimeout().plusSeconds(20));
  }

  /** {@code abandonAfter}: how long an opened connection waits for its login before closing. */
  UpstreamConnector(
      CertificateAuthority upstreamCa,
      BastionConfig.Upstream settings,
      Clock clock,
      Duration abandonAfter) {
    this.upstreamCa = upstreamCa;
    this.settings = settings;
    this.clock = clock;
    this.abandonAfter = abandonAfter;
    this.client = SshClient.setUpDefaultClient();
    Algorithms.apply(client);
    preparedKeys.install(client);
    client.setServerKeyVerifier(new TargetHostKeyVerifier(clock));
    client.setHostConfigEntryResolver((host, port, local, user, proxy, ctx) -> null);
    client.setKeyIdentityProvider(session -> List.of());
    client.setPasswordIdentityProvider(session -> List.of());
    client.setUserAuthFactoriesNames("publickey");
    client.addSessionListener(new KeyExchangeWatch());
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    CoreModuleProperties.WINDOW_SIZE.set(client, (long) ProxyTuning.WINDOW_SIZE);
    CoreModuleProperties.IO_CONNECT_TIMEOUT.set(client, settings.connectTimeout());
    CoreModuleProperties.AUTH_TIMEOUT.set(client, settings.connectTimeout().plusSeconds(20));
    CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
    if (!settings.keepalive().isZero()) {
      CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.keepalive());
      CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
    }
    client.start();
    this.connecting =
        new ThreadPoolExecutor(
            2,
            8,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1000),
            runnable -> {
              Thread t = new Thread(runnable, "upstream-connect");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Connects and authenticates to the grant's target: {@link #open} then {@link #login}. The future
   * fails with an {@link UpstreamException}.
   */
  public CompletableFuture<ClientSession> connect(Grant grant, String sessionId) {
    return limited(
        open(grant).thenCompose(connection -> login(connection, grant, sessionId)), grant.target());
  }

  /**
   * Connects to the grant's target, exchanges keys and verifies its host key, without
   * authenticating: the target sees no login attempt. May run while the session's audit row is
   * being written. Fails with an {@link UpstreamException} ({@code target_unreachable}, {@code
   * host_key_mismatch}, {@code bastion_overloaded}). A connection that is not {@linkplain #login
   * logged in} within the connect timeout plus 20 s closes itself; close it sooner when the session
   * will not start.
   */
  public CompletableFuture<TargetConnection> open(Grant grant) {
    CompletableFuture<TargetConnection> result = new CompletableFuture<>();
    BastionConfig.Target target = grant.target();
    try {
      connecting.execute(() -> startOpen(grant, target, result));
    } catch (RuntimeException e) {
      result.completeExceptionally(
          new UpstreamException(
              "bastion_overloaded", "the bastion is too busy to connect to " + target.name(), e));
    }
    result.thenAccept(this::closeIfAbandoned);
    return limited(result, target);
  }

  /**
   * Logs in on an opened connection, once. Call it only when the session may reach the target: its
   * audit row is written and, for a four-eyes target, the approvers approved. Fails with an {@link
   * UpstreamException} ({@code target_refused_login}; {@code target_unreachable} when the
   * connection closed meanwhile; {@code upstream_error} when it was already logged in or given up).
   */
  public CompletableFuture<ClientSession> login(
      TargetConnection connection, Grant grant, String sessionId) {
    BastionConfig.Target target = connection.target();
    ClientSession session = connection.session();
    if (!connection.claim()) {
      return CompletableFuture.failedFuture(
          new UpstreamException(
              "upstream_error",
              "the connection to target "
                  + target.name()
                  + " was already used or given up; each connection logs in once",
              null));
    }
    if (!connection.isOpen()) {
      return CompletableFuture.failedFuture(
          new UpstreamException(
              "target_unreachable",
              "the connection to target "
                  + target.name()
                  + " ("
                  + target.address()
                  + ") closed before the bastion logged in",
              null));
    }
    CompletableFuture<ClientSession> result = new CompletableFuture<>();
    try {
      session.addPublicKeyIdentity(certified(connection.loginKey(), grant, sessionId));
      session
          .auth()
          .addListener(
              auth -> {
                if (auth.isSuccess()) {
                  result.complete(session);
                  return;
                }
                session.close(true);
                result.completeExceptionally(
                    new UpstreamException(
                        "target_refused_login",
                        "target "
                            + target.name()
                            + " refused the bastion's login as "
                            + grant.login()
                            + " (does its sshd trust the upstream CA, and does the account exist?)",
                        auth.getException()));
              });
    } catch (IOException | RuntimeException e) {
      session.close(true);
      result.completeExceptionally(
          new UpstreamException(
              "upstream_error", "login to " + target.name() + " failed: " + e.getMessage(), e));
    }
    return result;
  }

  private void startOpen(
      Grant grant, BastionConfig.Target target, CompletableFuture<TargetConnection> result) {
    InetSocketAddress address = new InetSocketAddress(target.host(), target.port());
    if (address.isUnresolved()) {
      result.completeExceptionally(
          new UpstreamException(
              "target_unreachable",
              "target " + target.name() + " is unreachable: cannot resolve " + target.host(),
              new UnknownHostException(target.host())));
      return;
    }
    CompletableFuture<ClientSession> keys = new CompletableFuture<>();
    AttributeRepository context = KeyExchangeWatch.context(target, keys);
    ConnectFuture connect;
    try {
      connect = client.connect(grant.login(), address, context, null);
    } catch (IOException e) {
      result.completeExceptionally(UpstreamException.unreachable(target, e));
      return;
    }
    connect.addListener(
        done -> {
          if (!done.isConnected()) {
            keys.completeExceptionally(UpstreamException.unreachable(target, done.getException()));
          }
        });
    // The login's key pair is made while the key exchange runs; it is certified at login.
    KeyPair loginKey = OpenSshKeys.generateEd25519();
    keys.whenComplete(
        (session, failure) -> {
          if (failure == null) {
            result.complete(new TargetConnection(target, session, loginKey));
          } else {
            result.completeExceptionally(failure);
          }
        });
  }

  /** Closes a connection nobody logged in within {@link #abandonAfter}. */
  private void closeIfAbandoned(TargetConnection connection) {
    CompletableFuture.delayedExecutor(abandonAfter.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              if (connection.claim()) {
                LOG.info(
                    "closing the unused connection to target {}: no session logged in within {} s",
                    connection.target().name(),
                    abandonAfter.toSeconds());
                connection.close();
              }
            });
  }

  /** A certificate for exactly this login on the connection's fresh key pair. */
  private KeyPair certified(KeyPair pair, Grant grant, String sessionId) {
    Instant now = clock.instant();
    CertificateRequest request =
        CertificateRequest.user(
                pair.getPublic(),
                grant.identity() + " via bastion session " + sessionId,
                List.of(grant.login()),
                CERTIFICATE_LIFETIME,
                clock)
            .withValidity(now.minusSeconds(30), now.plus(CERTIFICATE_LIFETIME));
    OpenSshCertificate cert = upstreamCa.sign(request);
    return new KeyPair(cert, pair.getPrivate());
  }

  /** Fails with {@code target_unreachable} when the target does not answer in time. */
  private <T> CompletableFuture<T> limited(
      CompletableFuture<T> future, BastionConfig.Target target) {
    Duration limit = settings.connectTimeout().plusSeconds(30);
    return future
        .orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            failure -> {
              Throwable cause =
                  failure instanceof CompletionException ? failure.getCause() : failure;
              if (cause instanceof TimeoutException) {
                future.thenAccept(UpstreamConnector::closeLate);
                return CompletableFuture.failedFuture(
                    new UpstreamException(
                        "target_unreachable",
                        "target "
                            + target.name()
                            + " ("
                            + target.address()
                            + ") did not answer within "
                            + limit.toSeconds()
                            + " s",
                        cause));
              }
              return CompletableFuture.failedFuture(cause);
            });
  }

  /** Closes what completed after its caller gave up. */
  private static void closeLate(Object late) {
    if (late instanceof ClientSession session) {
      session.close(true);
    } else if (late instanceof TargetConnection connection) {
      connection.close();
    }
  }

  @Override
  public void close() {
    preparedKeys.close();
    connecting.shutdownNow();
    client.stop();
  }
}
