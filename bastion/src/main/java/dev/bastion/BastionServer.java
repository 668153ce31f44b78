package dev.bastion;

import dev.bastion.approval.ApprovalWebhook;
import dev.bastion.approval.Approvals;
import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.AuditSocket;
import dev.bastion.audit.AuditStream;
import dev.bastion.audit.DiskReserve;
import dev.bastion.audit.JsonLinesStream;
import dev.bastion.audit.NodeName;
import dev.bastion.audit.RecordingRemovals;
import dev.bastion.audit.SyslogStream;
import dev.bastion.cluster.DeadNodes;
import dev.bastion.cluster.Fleet;
import dev.bastion.cluster.FleetKey;
import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.KeyFileException;
import dev.bastion.keys.RevocationList;
import dev.bastion.keys.Revocations;
import dev.bastion.live.FleetLive;
import dev.bastion.oidc.IdentityProvider;
import dev.bastion.oidc.OidcProvider;
import dev.bastion.ops.BastionMetrics;
import dev.bastion.ops.OperatorView;
import dev.bastion.ops.Readiness;
import dev.bastion.policy.TargetPolicy;
import dev.bastion.proxy.EngineerConnections;
import dev.bastion.proxy.LiveSessions;
import dev.bastion.proxy.ProxiedSession;
import dev.bastion.proxy.SessionServices;
import dev.bastion.proxy.SetupHold;
import dev.bastion.proxy.ShutdownGrace;
import dev.bastion.proxy.SsoCertificates;
import dev.bastion.recorder.RecordingKey;
import dev.bastion.recording.RecordingRetention;
import dev.bastion.recording.SessionRecorder;
import dev.bastion.revocation.RevocationTable;
import dev.bastion.revocation.SharedRevocations;
import dev.bastion.server.BastionHostKey;
import dev.bastion.server.GatewayServer;
import dev.bastion.server.PrivateDataDirectory;
import dev.bastion.server.SharedRecordings;
import dev.bastion.server.Unwind;
import dev.bastion.upstream.UpstreamConnector;
import dev.bastion.viewer.BrowserSignOn;
import dev.bastion.viewer.ViewerBackend;
import dev.bastion.web.LoginTokens;
import dev.bastion.web.SingleSignOn;
import dev.bastion.web.WebServer;
import dev.bastion.web.WebSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The whole bastion wired together: CAs, audit log, upstream connector, SSH gateway. */
public final class BastionServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BastionServer.class);

  private final BastionConfig config;
  private final CaKeyStore cas;
  private final AuditDatabase database;
  private final AuditLog audit;
  private final UpstreamConnector upstream;
  private final LiveSessions live;
  private final GatewayServer gateway;
  private final EngineerConnections connections;
  private final Revocations revocations;
  private final ScheduledExecutorService housekeeping;
  private final Clock clock;
  private final SessionRecorder recorder;
  private final Optional<IdentityProvider> identityProvider;
  private final ShutdownGrace shutdownGrace;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile WebServer web;
  private Fleet fleet;
  private FleetLive fleetLive;
  private volatile BastionMetrics metrics;
  private AuditSocket socket;
  private Optional<RecordingRetention> retention = Optional.empty();
  private LoginTokens loginTokens;

  private BastionServer(
      BastionConfig config,
      CaKeyStore cas,
      AuditDatabase database,
      AuditLog audit,
      UpstreamConnector upstream,
      LiveSessions live,
      GatewayServer gateway,
      EngineerConnections connections,
      Revocations revocations,
      SessionRecorder recorder,
      Optional<IdentityProvider> identityProvider,
      Clock clock) {
    this.recorder = recorder;
    this.identityProvider = identityProvider;
    this.config = config;
    this.cas = cas;
    this.database = database;
    this.audit = audit;
    this.upstream = upstream;
    this.live = live;
    this.gateway = gateway;
    this.connections = connections;
    this.revocations = revocations;
    this.clock = clock;
    this.shutdownGrace = new ShutdownGrace(live, clock);
    this.housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bastion-housekeeping");
              t.setDaemon(true);
              return t;
            });
    housekeeping.scheduleWithFixedDelay(this::endRevokedSessions, 1, 1, TimeUnit.SECONDS);
    if (revocations instanceof SharedRevocations shared) {
      // A revocation made on another node: its connections end now, not at the next sweep.
      shared.refresh(
          () -> {
            if (!housekeeping.isShutdown()) {
              housekeeping.execute(this::endRevokedSessions);
            }
          });
    }
  }

  /** Starts everything; creates the data directory and the CAs on first start. */
  public static BastionServer start(Path dataDir, BastionConfig config, Clock clock)
      throws IOException {
    return start(dataDir, config, clock, SetupHold.NONE);
  }

  /**
   * As {@link #start(Path, BastionConfig, Clock)}; tests hold session setup steps with {@code
   * hold}.
   */
  public static BastionServer start(Path dataDir, BastionConfig config, Clock clock, SetupHold hold)
      throws IOException {
    return start(dataDir, config, clock, hold, null);
  }

  /**
   * As {@link #start(Path, BastionConfig, Clock, SetupHold)}; tests give the free space of the data
   * directory's disk with {@code freeSpace} (null: ask the file system).
   */
  public static BastionServer start(
      Path dataDir,
      BastionConfig config,
      Clock clock,
      SetupHold hold,
      DiskReserve.FreeSpace freeSpace)
      throws IOException {
    return start(dataDir, config, clock, hold, freeSpace, null);
  }

  /**
   * As {@link #start(Path, BastionConfig, Clock, SetupHold, DiskReserve.FreeSpace)}, with the
   * identity provider for {@code oidc:} made by {@code providers} (tests give their own; null: the
   * OpenID provider at the configured issuer).
   */
  public static BastionServer start(
      Path dataDir,
      BastionConfig config,
      Clock clock,
      SetupHold hold,
      DiskReserve.FreeSpace freeSpace,
      Function<BastionConfig.Oidc, IdentityProvider> providers)
      throws IOException {
    try {
      config.recording().compression().format().ensureWritable();
    } catch (dev.bastion.recorder.RecordingFailedException e) {
      throw new IOException(
          "recording.compression: "
              + config.recording().compression().name().toLowerCase(java.util.Locale.ROOT)
              + " cannot be used: "
              + e.getMessage()
              + " (give the JVM an executable -Djava.io.tmpdir, or set recording.compression:"
              + " none)",
          e);
    }
    if (!Files.isDirectory(dataDir)) {
      Files.createDirectories(
          dataDir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    PrivateDataDirectory.check(dataDir);
    if (config.recording().dir().isPresent()) {
      SharedRecordings.prepare(config.recording().dir().get());
    }
    CaKeyStore cas = new CaKeyStore(dataDir);
    List<CaKind> created = cas.init();
    if (!created.isEmpty()) {
      LOG.info("created certificate authorities {} in {}", created, cas.directory());
    }
    try (Unwind unwind = new Unwind()) {
      BastionServer server =
          assemble(unwind, cas, new Given(dataDir, config, clock, hold, freeSpace, providers));
      unwind.keep();
      return server;
    }
  }

  /** What {@link #start} was given. */
  private record Given(
      Path dataDir,
      BastionConfig config,
      Clock clock,
      SetupHold hold,
      DiskReserve.FreeSpace freeSpace,
      Function<BastionConfig.Oidc, IdentityProvider> providers) {}

  /**
   * Brings up every part in order; each is stopped again by {@code unwind} if a later one fails.
   */
  private static BastionServer assemble(Unwind unwind, CaKeyStore cas, Given given)
      throws IOException {
    Path dataDir = given.dataDir();
    BastionConfig config = given.config();
    Clock clock = given.clock();
    SetupHold hold = given.hold();
    DiskReserve.FreeSpace freeSpace = given.freeSpace();
    Function<BastionConfig.Oidc, IdentityProvider> providers = given.providers();
    BastionConfig.AuditDisk disk = config.audit();
    String node = config.cluster().map(BastionConfig.Cluster::name).orElseGet(NodeName::local);
    AuditStream stream = auditStreams(disk, node);
    AuditDatabase database;
    try {
      database = unwind.add(AuditDatabase.open(config.database(), dataDir));
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
    AuditLog audit =
        unwind.add(
            new AuditLog(
                database,
                new DiskReserve(
                    freeSpace != null ? freeSpace : DiskReserve.of(dataDir),
                    disk.reserveBytes(),
                    disk.floorBytes()),
                clock,
                stream,
                node));
    Fleet fleet =
        unwind.add(
            config.cluster().isPresent()
                ? Fleet.join(
                    config.cluster().get(),
                    FleetKey.derive(RecordingKey.loadOrCreate(cas.directory()).getPrivate()))
                : Fleet.alone(node));
    List<AuditLog.Interrupted> interrupted = new DeadNodes(fleet, audit, clock).watch().atStart();
    List<PublicKey> trusted = new ArrayList<>();
    CertificateAuthority userCa = cas.load(CaKind.USER);
    trusted.add(userCa.publicKey());
    trusted.addAll(config.trustedUserCas());
    Revocations revocations = revocations(config, database, dataDir);
    Supplier<Optional<String>> revocationProblem = Optional::empty;
    if (revocations instanceof SharedRevocations shared) {
      unwind.add(shared);
      revocationProblem = shared::problem;
    }
    CertificateValidator validator =
        new CertificateValidator(
            trusted,
            config.ssh().clockSkew(),
            config.ssh().maxCertificateLifetime(),
            revocations,
            clock);
    EngineerConnections connections = new EngineerConnections(validator, audit, clock);
    UpstreamConnector upstream =
        unwind.add(new UpstreamConnector(cas.load(CaKind.UPSTREAM), config.upstream(), clock));
    LiveSessions live =
        new LiveSessions(config.ssh().maxSessions(), config.ssh().maxSessionsPerIdentity());
    SessionRecorder recorder =
        unwind.add(
            new SessionRecorder(
                dataDir,
                RecordingKey.loadOrCreate(cas.directory()),
                config.recording(),
                audit,
                clock));
    recorder.sealInterrupted(interrupted);
    LoginTokens loginTokens = new LoginTokens(fleet.vertx(), clock);
    Approvals approvals = new Approvals(config.ssh().maxPendingApprovalsPerIdentity());
    FleetLive fleetLive =
        unwind.add(new FleetLive(fleet, live, recorder.hub(), approvals, audit, clock));
    BastionMetrics metrics = unwind.add(new BastionMetrics(live, approvals));
    audit.observe(metrics::saw);
    recorder.timeWrites(metrics::recordingWrite);
    Optional<ApprovalWebhook> webhook = config.approvals().webhookUrl().map(ApprovalWebhook::new);
    TargetPolicy policy = new TargetPolicy(config);
    SessionServices services =
        new SessionServices(
            config,
            policy,
            audit,
            upstream,
            live,
            recorder,
            user ->
                loginTokens
                    .issue(
                        user.identity(),
                        user.serialText(),
                        Set.copyOf(policy.rolesOf(user)),
                        policy.rightsOf(user),
                        user.validBefore())
                    .map(token -> config.web().publicUrl() + "/login?token=" + token)
                    .toCompletionStage()
                    .toCompletableFuture(),
            approvals,
            webhook,
            clock,
            hold,
            config
                .oidc()
                .map(oidc -> new SsoCertificates(userCa, oidc.certificateTtl(), audit, clock)));
    BastionHostKey hostKey =
        BastionHostKey.loadOrCreate(dataDir, cas, config.ssh().hostnames(), clock);
    // Single sign-on, for GatewayServer (device flow over keyboard-interactive) and WebServer
    // (browser sign-in): discovery runs in the background; a provider that is down never stops
    // this.
    Optional<IdentityProvider> identityProvider =
        config.oidc().map(providers != null ? providers : oidc -> OidcProvider.start(oidc, clock));
    identityProvider.ifPresent(unwind::add);
    GatewayServer gateway;
    try {
      gateway =
          unwind.add(
              GatewayServer.start(
                  config,
                  hostKey,
                  validator,
                  audit,
                  services,
                  connections,
                  identityProvider,
                  revocations,
                  clock));
    } catch (IOException e) {
      throw new IOException("cannot listen on " + config.ssh().listen() + ": " + e.getMessage(), e);
    }
    WebServer web;
    try {
      BastionConfig.Web w = config.web();
      web =
          unwind.add(
              WebServer.start(
                  new WebServer.Parts(
                      fleet.vertx(),
                      new WebSettings(
                          w.listen().getAddress().getHostAddress(),
                          w.listen().getPort(),
                          w.publicUrl(),
                          w.tls().map(BastionConfig.Tls::cert),
                          w.tls().map(BastionConfig.Tls::key)),
                      new ViewerBackend(
                          recorder.store(),
                          new AuditReader(database),
                          audit,
                          fleetLive.sessions(),
                          clock),
                      fleetLive,
                      loginTokens,
                      identityProvider.map(
                          provider ->
                              (SingleSignOn)
                                  new BrowserSignOn(provider, policy, revocations, audit, clock)),
                      new OperatorView(
                          new Readiness(
                              database,
                              recorder.store().root(),
                              live::draining,
                              fleet::joined,
                              revocationProblem),
                          metrics),
                      clock)));
      metrics.viewers(web::viewers);
    } catch (RuntimeException e) {
      throw new IOException(
          "cannot start the web viewer on " + config.web().listen() + ": " + e.getMessage(), e);
    }
    AuditSocket socket;
    try {
      socket = unwind.add(AuditSocket.open(dataDir, new AuditReader(database), audit));
    } catch (IOException e) {
      throw new IOException("cannot listen on " + dataDir.resolve("bastion.sock") + ": " + e, e);
    }
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.SERVER_STARTED,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "listening on "
                + config.ssh().listen().getAddress().getHostAddress()
                + ":"
                + gateway.port()
                + ", web viewer on port "
                + web.port()));
    BastionServer server =
        new BastionServer(
            config,
            cas,
            database,
            audit,
            upstream,
            live,
            gateway,
            connections,
            revocations,
            recorder,
            identityProvider,
            clock);
    server.web = web;
    server.fleet = fleet;
    server.fleetLive = fleetLive;
    server.metrics = metrics;
    server.socket = socket;
    server.loginTokens = loginTokens;
    server.retention =
        config
            .recording()
            .retention()
            .map(
                keep ->
                    new RecordingRetention(
                            recorder.store(),
                            keep,
                            new RecordingRemovals(database, audit),
                            clock,
                            fleet::oldest)
                        .start());
    return server;
  }

  /**
   * Where audit events go besides the database ({@code audit.json_lines}, {@code audit.syslog});
   * what was opened is closed again if one cannot be.
   */
  private static AuditStream auditStreams(BastionConfig.AuditDisk disk, String node)
      throws IOException {
    List<AuditStream> streams = new ArrayList<>();
    try {
      if (disk.jsonLines().isPresent()) {
        streams.add(JsonLinesStream.open(disk.jsonLines().get(), node));
      }
      if (disk.syslog().isPresent()) {
        streams.add(SyslogStream.open(disk.syslog().get(), node));
      }
    } catch (IOException | RuntimeException e) {
      streams.forEach(AuditStream::close);
      throw e;
    }
    return AuditStream.all(streams);
  }

  /**
   * Where revocations are kept: with {@code database.url} the table every node shares (the node's
   * former {@code revoked} file imported into it), else the file {@code <data-dir>/revoked}.
   */
  private static Revocations revocations(
      BastionConfig config, AuditDatabase database, Path dataDir) {
    return config.database().isPresent()
        ? SharedRevocations.start(new RevocationTable(database), dataDir)
        : new RevocationList(dataDir);
  }

  public int sshPort() {
    return gateway.port();
  }

  public BastionConfig config() {
    return config;
  }

  public CaKeyStore cas() {
    return cas;
  }

  public AuditDatabase database() {
    return database;
  }

  public int webPort() {
    return web.port();
  }

  public LoginTokens loginTokens() {
    return loginTokens;
  }

  public SessionRecorder recorder() {
    return recorder;
  }

  public LiveSessions liveSessions() {
    return live;
  }

  /** Removes expired recordings when {@code recording.retention} is configured. */
  public Optional<RecordingRetention> recordingRetention() {
    return retention;
  }

  /** The OpenID provider when {@code oidc:} is configured (single sign-on in ssh and the web). */
  public Optional<IdentityProvider> identityProvider() {
    return identityProvider;
  }

  /**
   * A revocation ends the SSH connections (with their sessions) and web sessions it covers within
   * about a second.
   */
  private void endRevokedSessions() {
    try {
      // One look at the file per sweep, however many connections and web sessions are checked.
      Revocations.Lookup revoked = revocations.current();
      for (ProxiedSession session : live.all()) {
        session.checkRecording();
      }
      // Web sessions first: once a revoked engineer's connection is closed (and audited), the
      // browser of the same certificate is already signed out on every node.
      if (web != null) {
        endRevokedWebSessions(revoked);
      }
      int closed = connections.endRevoked(revoked);
      if (closed > 0) {
        LOG.info("closing {} connections of revoked certificates", closed);
      }
    } catch (KeyFileException e) {
      LOG.error("revocation list unreadable: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("revocation check failed", e);
    }
  }

  /**
   * Ends the revoked web sessions of the whole fleet (every node's sweep reads the shared map, so a
   * revocation any node knows of ends the session everywhere, even when the node that started it is
   * gone). Waits for the sweep here, on the housekeeping thread, so sweeps never pile up.
   */
  private void endRevokedWebSessions(Revocations.Lookup revoked) {
    try {
      int ended =
          web.endSessions(
                  user ->
                      // No serial: signed in without a certificate (single sign-on): by identity.
                      (user.serial() == null
                              ? revoked.findIdentity(user.identity())
                              : revoked.find(
                                  Long.parseUnsignedLong(user.serial()), user.identity()))
                          .isPresent())
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      if (ended > 0) {
        LOG.info("ended {} web sessions of revoked certificates", ended);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("cannot end revoked web sessions now: {}", e.toString());
    }
  }

  /**
   * The first part of a shutdown (SIGTERM): the SSH port stops listening at once, so that a load
   * balancer sends new connections to another node, {@code /readyz} answers 503, every live session
   * is told when it will be ended and may go on until then ({@code ssh.shutdown_grace}); returns
   * when none is left, the grace period is over, or {@link #endNow} was called. The web viewer
   * keeps serving meanwhile. {@link #close} follows and ends the sessions that are left.
   */
  public void drain() throws InterruptedException {
    live.refuseNew(ShutdownGrace.REFUSED);
    gateway.stopListening();
    Duration grace = config.ssh().shutdownGrace();
    LOG.info(
        "shutting down: no new connections; {} live sessions may go on for up to {}"
            + " (ssh.shutdown_grace)",
        live.count(),
        grace);
    if (!shutdownGrace.await(grace)) {
      LOG.info("shutting down: ending the {} sessions left", live.count());
    }
  }

  /** Cuts the wait of {@link #drain} short (a second SIGTERM or SIGINT). */
  public void endNow() {
    shutdownGrace.endNow();
  }

  /** Refuses new sessions, ends the open ones with a message, then stops; once. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    if (revocations instanceof SharedRevocations shared) {
      shared.close();
    }
    housekeeping.shutdownNow();
    retention.ifPresent(RecordingRetention::close);
    // Each session waits up to its TELL_GRACE (5 s) for its last line to reach the engineer.
    live.drain(ShutdownGrace.ENDED, Duration.ofSeconds(10));
    web.close();
    fleetLive.close();
    try {
      gateway.close();
    } catch (IOException e) {
      LOG.warn("stopping the SSH server: {}", e.getMessage());
    }
    upstream.close();
    recorder.close();
    identityProvider.ifPresent(IdentityProvider::close);
    socket.close();
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.SERVER_STOPPED,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null));
    audit.close();
    database.close();
    metrics.close();
    fleet.close();
  }

  /** This node and the fleet it belongs to (alone without {@code cluster:}). */
  public Fleet fleet() {
    return fleet;
  }
}
