package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.policy.Grant;
import dev.bastion.ssh.Algorithms;
import dev.bastion.ssh.ProxyTuning;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Logs in to targets for sessions. Each login uses a fresh key pair and a certificate from the
 * upstream CA that lives about two minutes, principal = the login, key id "{@code <identity> via
 * bastion session <id>}", so the target's own logs name the person. The bastion holds no long-lived
 * credential for any target.
 */
public final class UpstreamConnector implements AutoCloseable {
  /** How long the bastion's certificate for one target login is valid. */
  public static final Duration CERTIFICATE_LIFETIME = Duration.ofMinutes(2);

  private final SshClient client;
  private final CertificateAuthority upstreamCa;
  private final BastionConfig.Upstream settings;
  private final Clock clock;

  /** DNS lookups and connects may block; they run here, never on MINA's I/O threads. */
  private final ExecutorService connecting;

  public UpstreamConnector(
      CertificateAuthority upstreamCa, BastionConfig.Upstream settings, Clock clock) {
    this.upstreamCa = upstreamCa;
    this.settings = settings;
    this.clock = clock;
    this.client = SshClient.setUpDefaultClient();
    Algorithms.apply(client);
    client.setServerKeyVerifier(new TargetHostKeyVerifier(clock));
    client.setHostConfigEntryResolver((host, port, local, user, proxy, ctx) -> null);
    client.setKeyIdentityProvider(session -> List.of());
    client.setPasswordIdentityProvider(session -> List.of());
    client.setUserAuthFactoriesNames("publickey");
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
   * Connects and authenticates to the grant's target; the future fails with an {@link
   * UpstreamException}.
   */
  public CompletableFuture<ClientSession> connect(Grant grant, String sessionId) {
    CompletableFuture<ClientSession> result = new CompletableFuture<>();
    BastionConfig.Target target = grant.target();
    try {
      connecting.execute(() -> startConnect(grant, sessionId, target, result));
    } catch (RuntimeException e) {
      result.completeExceptionally(
          new UpstreamException(
              "bastion_overloaded", "the bastion is too busy to connect to " + target.name(), e));
    }
    Duration limit = settings.connectTimeout().plusSeconds(30);
    return result
        .orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            failure -> {
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException
                      ? failure.getCause()
                      : failure;
              if (cause instanceof java.util.concurrent.TimeoutException) {
                result.thenAccept(session -> session.close(true));
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

  private void startConnect(
      Grant grant,
      String sessionId,
      BastionConfig.Target target,
      CompletableFuture<ClientSession> result) {
    InetSocketAddress address = new InetSocketAddress(target.host(), target.port());
    if (address.isUnresolved()) {
      result.completeExceptionally(
          new UpstreamException(
              "target_unreachable",
              "target " + target.name() + " is unreachable: cannot resolve " + target.host(),
              new UnknownHostException(target.host())));
      return;
    }
    AttributeRepository context =
        AttributeRepository.ofKeyValuePair(TargetHostKeyVerifier.TARGET, target);
    ConnectFuture connect;
    try {
      connect = client.connect(grant.login(), address, context, null);
    } catch (IOException e) {
      result.completeExceptionally(unreachable(target, e));
      return;
    }
    connect.addListener(
        done -> {
          if (!done.isConnected()) {
            result.completeExceptionally(unreachable(target, done.getException()));
            return;
          }
          ClientSession session = done.getClientSession();
          try {
            session.addPublicKeyIdentity(loginKey(grant, sessionId));
            session
                .auth()
                .addListener(
                    auth -> {
                      if (auth.isSuccess()) {
                        result.complete(session);
                        return;
                      }
                      String problem = session.getAttribute(TargetHostKeyVerifier.PROBLEM);
                      session.close(true);
                      if (problem != null) {
                        result.completeExceptionally(
                            new UpstreamException(
                                "host_key_mismatch", problem, auth.getException()));
                      } else {
                        result.completeExceptionally(
                            new UpstreamException(
                                "target_refused_login",
                                "target "
                                    + target.name()
                                    + " refused the bastion's login as "
                                    + grant.login()
                                    + " (does its sshd trust the upstream CA, and does the account exist?)",
                                auth.getException()));
                      }
                    });
          } catch (Exception e) {
            session.close(true);
            result.completeExceptionally(
                new UpstreamException(
                    "upstream_error",
                    "login to " + target.name() + " failed: " + e.getMessage(),
                    e));
          }
        });
  }

  /** A fresh key pair with a two-minute certificate for exactly this login. */
  private KeyPair loginKey(Grant grant, String sessionId) {
    KeyPair pair = OpenSshKeys.generateEd25519();
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

  private static UpstreamException unreachable(BastionConfig.Target target, Throwable cause) {
    Throwable root = cause;
    while (root != null
        && root.getCause() != null
        && root.getCause() != root
        && !(root instanceof ConnectException)) {
      root = root.getCause();
    }
    String why =
        root == null
            ? "connection failed"
            : root instanceof ConnectException
                ? "connection refused"
                : root instanceof java.net.NoRouteToHostException
                    ? "no route to host"
                    : root instanceof java.net.SocketTimeoutException
                            || root instanceof java.util.concurrent.TimeoutException
                        ? "connection timed out"
                        : String.valueOf(root.getMessage());
    return new UpstreamException(
        "target_unreachable",
        "target " + target.name() + " (" + target.address() + ") is unreachable: " + why,
        cause);
  }

  @Override
  public void close() {
    connecting.shutdownNow();
    client.stop();
  }
}
