package dev.bastion.server;

import dev.bastion.audit.AuditLog;
import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.Revocations;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.proxy.ConnectAhead;
import dev.bastion.proxy.EngineerConnections;
import dev.bastion.proxy.ProxyChannelSession;
import dev.bastion.proxy.SessionServices;
import dev.bastion.ssh.Algorithms;
import dev.bastion.ssh.ProxyTuning;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerUserAuthServiceFactory;

/**
 * The SSH server engineers connect to: certificate logins, and single sign-on by the device flow
 * when {@code oidc:} is configured; modern algorithms, every channel proxied.
 */
public final class GatewayServer implements AutoCloseable {
  private final Listener server;
  private final RefusalTally refusals;

  private GatewayServer(Listener server, RefusalTally refusals) {
    this.server = server;
    this.refusals = refusals;
  }

  public static GatewayServer start(
      BastionConfig config,
      BastionHostKey hostKey,
      CertificateValidator validator,
      AuditLog audit,
      SessionServices services,
      EngineerConnections connections,
      Optional<IdentityProvider> provider,
      Revocations revocations,
      Clock clock)
      throws IOException {
    Listener server = (Listener) ServerBuilder.builder().factory(Listener::new).build();
    InetSocketAddress listen = config.ssh().listen();
    server.setHost(listen.getAddress().getHostAddress());
    server.setPort(listen.getPort());
    Algorithms.apply(server);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey.keyPair()));
    server.setHostKeyCertificateProvider(
        session -> List.<OpenSshCertificate>of(hostKey.certificate()));

    BastionConfig.Throttle limits = config.ssh().throttle();
    RefusalTally refusals = new RefusalTally(audit, limits.window(), clock);
    FrontDoor door = new FrontDoor(new SourceThrottle(limits, System::nanoTime), refusals, clock);
    server.addSessionListener(door);
    server.addSessionListener(new FailedNegotiation(refusals, clock));
    ConnectAhead connectAhead = new ConnectAhead(services);
    LoginListener loggedIn =
        (session, name, user) -> {
          connections.loggedIn(session, name, user); // first: its sessions look it up
          connectAhead.loggedIn(session, name, user);
        };
    AcceptedLogins accepted = new AcceptedLogins(audit, clock, loggedIn);
    UserAuthFactory second =
        provider
            .<UserAuthFactory>map(
                idp ->
                    DeviceSignIn.factory(
                        idp,
                        new SsoUsers(
                            services.policy(),
                            revocations,
                            idp.name(),
                            config.oidc().orElseThrow().certificateTtl(),
                            clock),
                        accepted,
                        refusals,
                        clock))
            .orElseGet(RefusalNotice::factory);
    server.setUserAuthFactories(
        List.of(
            CertificateLogin.factory(validator, accepted, refusals, clock, provider.isPresent()),
            second));
    // Reached only for keys CertificateLogin already accepted or is proving.
    server.setPublickeyAuthenticator(
        (user, key, session) -> CertificateLogin.acceptable(session, key));
    server.setPasswordAuthenticator(null);
    // Neither DeviceSignIn nor RefusalNotice asks MINA's authenticator.
    server.setKeyboardInteractiveAuthenticator(null);
    server.setGSSAuthenticator(null);
    server.setHostBasedAuthenticator(null);

    server.setChannelFactories(List.of(ProxyChannelSession.factory(services)));
    // Forwarding is refused with its reason and audited before MINA's filter would be asked.
    server.setServiceFactories(
        List.of(
            ServerUserAuthServiceFactory.INSTANCE,
            new ForwardingRefusals(config.ssh().hostnames().get(0), refusals, clock)
                .serviceFactory()));
    server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
    server.setAgentFactory(null);
    server.setShellFactory(null);
    server.setCommandFactory(null);
    server.setSubsystemFactories(List.of());

    CoreModuleProperties.TCP_NODELAY.set(server, true);
    CoreModuleProperties.WINDOW_SIZE.set(server, (long) ProxyTuning.WINDOW_SIZE);
    CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, 10);
    CoreModuleProperties.AUTH_TIMEOUT.set(server, Duration.ofSeconds(30));
    CoreModuleProperties.IDLE_TIMEOUT.set(server, config.ssh().idleTimeout());
    try {
      server.start();
    } catch (IOException e) {
      refusals.close();
      throw e;
    }
    return new GatewayServer(server, refusals);
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Closes the listening socket: a new connection is refused by the kernel at once (a load balancer
   * tries another node), while the connections already open go on.
   */
  public void stopListening() {
    server.stopListening();
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop(false);
    } finally {
      refusals.close();
    }
  }

  /** MINA's server, able to stop listening while its connections go on. */
  private static final class Listener extends SshServer {
    void stopListening() {
      IoAcceptor listening = acceptor;
      if (listening != null) {
        listening.unbind();
      }
    }
  }
}
