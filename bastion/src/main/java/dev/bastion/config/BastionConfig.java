package dev.bastion.config;

import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The validated configuration: every value checked and typed, defaults filled in. */
public record BastionConfig(
    Ssh ssh,
    Web web,
    List<PublicKey> trustedUserCas,
    Map<String, Target> targets,
    Map<String, Role> roles,
    Recording recording,
    Upstream upstream,
    Approvals approvals,
    AuditDisk audit,
    Optional<Oidc> oidc,
    Optional<Database> database,
    Optional<Cluster> cluster) {

  /**
   * This node in a fleet ({@code cluster:}): its name (unique in the fleet, recorded with every
   * session it runs), where its cluster traffic listens (Hazelcast on this port, the Vert.x event
   * bus on the next one) and where the other nodes are. Absent: one node on its own.
   */
  public record Cluster(String name, InetSocketAddress listen, List<InetSocketAddress> members) {
    /** The port of the event bus that carries live sessions between nodes: the next one. */
    public int busPort() {
      return listen.getPort() + 1;
    }
  }

  /**
   * The audit database on a PostgreSQL server ({@code database:}); absent, the embedded H2 file in
   * the data directory.
   */
  public record Database(String url, String user, Secret password) {}

  /**
   * Single sign-on with an OpenID provider: where it is ({@code issuer}, discovered from its {@code
   * /.well-known/openid-configuration}), what it is called on the login page, this bastion's client
   * there, which claims name the person and their groups, how long a sign-in (and the certificate
   * it may get) lasts, and how often the discovery document is fetched again.
   */
  public record Oidc(
      java.net.URI issuer,
      String name,
      String clientId,
      Optional<Secret> clientSecret,
      String identityClaim,
      String groupsClaim,
      Duration certificateTtl,
      Duration refresh) {}

  /** A value that must never reach a log line or an error message: it prints as a mask. */
  public static final class Secret {
    private final String value;

    public Secret(String value) {
      this.value = value;
    }

    public String reveal() {
      return value;
    }

    @Override
    public String toString() {
      return "(secret)";
    }
  }

  /**
   * Free space kept on the data directory's disk: below {@code reserveBytes} refused logins are
   * counted, not written; below {@code floorBytes} logins and sessions are refused. {@code
   * jsonLines}: {@code stdout} or an absolute file that every audit event is also streamed to.
   */
  public record AuditDisk(
      long reserveBytes, long floorBytes, Optional<String> jsonLines, Optional<Syslog> syslog) {
    /** {@code audit.json_lines} value for the process's standard output. */
    public static final String STDOUT = "stdout";

    /** Without an audit stream. */
    public AuditDisk(long reserveBytes, long floorBytes) {
      this(reserveBytes, floorBytes, Optional.empty(), Optional.empty());
    }
  }

  /**
   * {@code audit.syslog}: every audit event also sent as an RFC 5424 message to a collector over
   * {@code transport}, at {@code facility}; {@code ca} (PEM) is whom a TLS collector's certificate
   * must be signed by, absent for the JVM's default trust store.
   */
  public record Syslog(
      SyslogTransport transport,
      String host,
      int port,
      SyslogFacility facility,
      Optional<java.nio.file.Path> ca) {
    /** As written in the configuration: {@code tcp://host:601}. */
    @Override
    public String toString() {
      String word = transport.name().toLowerCase(java.util.Locale.ROOT);
      return word + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** How syslog messages travel, with the port each uses by default. */
  public enum SyslogTransport {
    /** RFC 5426: one message per datagram. */
    UDP(514),
    /** RFC 6587: octet-counted messages on a TCP connection. */
    TCP(601),
    /** RFC 5425: octet-counted messages over TLS, the collector's certificate checked. */
    TLS(6514);

    private final int defaultPort;

    SyslogTransport(int defaultPort) {
      this.defaultPort = defaultPort;
    }

    public int defaultPort() {
      return defaultPort;
    }
  }

  /** RFC 5424 facilities, in code order (kern is 0, local7 is 23), named as rsyslog names them. */
  public enum SyslogFacility {
    KERN,
    USER,
    MAIL,
    DAEMON,
    AUTH,
    SYSLOG,
    LPR,
    NEWS,
    UUCP,
    CRON,
    AUTHPRIV,
    FTP,
    NTP,
    AUDIT,
    ALERT,
    CLOCK,
    LOCAL0,
    LOCAL1,
    LOCAL2,
    LOCAL3,
    LOCAL4,
    LOCAL5,
    LOCAL6,
    LOCAL7;

    /** The number that goes into PRI (facility * 8 + severity). */
    public int code() {
      return ordinal();
    }
  }

  /**
   * Per source address, before login: {@code connections} and {@code failedLogins} per {@code
   * window} (token buckets), and at most {@code unauthenticated} connections not yet logged in.
   */
  public record Throttle(Duration window, int connections, int failedLogins, int unauthenticated) {}

  /** Where new approval requests are announced (a chat bot), if anywhere. */
  public record Approvals(Optional<java.net.URI> webhookUrl) {}

  public record Ssh(
      InetSocketAddress listen,
      List<String> hostnames,
      Duration idleTimeout,
      Duration clockSkew,
      int maxSessions,
      int maxSessionsPerIdentity,
      int maxPendingApprovalsPerIdentity,
      Duration maxCertificateLifetime,
      Throttle throttle,
      EnvNames acceptEnv,
      Duration shutdownGrace) {}

  public record Web(
      InetSocketAddress listen, String publicUrl, Optional<Tls> tls, boolean insecure) {}

  public record Tls(String cert, String key) {}

  /** A host engineers may reach; trusted by a pinned key or by a host CA. */
  public record Target(
      String name,
      String host,
      int port,
      Optional<PublicKey> hostKey,
      Optional<PublicKey> hostCa,
      List<String> logins,
      Optional<Approval> requireApproval) {

    public String address() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  public record Approval(int count, List<String> from, OnLeave onLeave, Duration timeout) {}

  /** What a four-eyes session does when too few approvers watch any more. */
  public enum OnLeave {
    /** Hold the engineer's input until enough approvers watch again. */
    PAUSE,
    /** End the session. */
    TERMINATE
  }

  /** What a recording that cannot be written means for its session. */
  public enum RecordingMode {
    /** No session without a recording: it does not start, or it ends. */
    STRICT,
    /** The session goes on unrecorded; the problem is audited. */
    BEST_EFFORT
  }

  /**
   * What holders of a principal may do: reach targets matching globs, as some logins; web rights.
   * With single sign-on, members of {@code oidcGroups} (directory groups) hold the role too.
   */
  public record Role(
      String name,
      List<String> targets,
      List<String> logins,
      Set<dev.bastion.web.WebRight> can,
      List<String> oidcGroups) {}

  /** How recordings are stored: one zstd stream ({@code .cast.zst}) or plain ({@code .cast}). */
  public enum RecordingCompression {
    ZSTD,
    NONE;

    public dev.bastion.recorder.RecordingFormat format() {
      return this == ZSTD
          ? dev.bastion.recorder.RecordingFormat.ZSTD
          : dev.bastion.recorder.RecordingFormat.PLAIN;
    }
  }

  /**
   * How sessions are recorded and stored; {@code retention}: how long after its session ended a
   * recording is kept (empty: forever); {@code dir}: {@code recording.dir}, absolute (empty: in the
   * data directory).
   */
  public record Recording(
      boolean input,
      RecordingMode mode,
      RecordingCompression compression,
      Optional<Duration> retention,
      Optional<java.nio.file.Path> dir) {

    /** Where recordings are written and read: {@code recording.dir}, else in the data directory. */
    public dev.bastion.recorder.RecordingStore store(java.nio.file.Path dataDir) {
      return dir.map(dev.bastion.recorder.RecordingStore::at)
          .orElseGet(() -> dev.bastion.recorder.RecordingStore.inDataDir(dataDir));
    }
  }

  public record Upstream(Duration connectTimeout, Duration keepalive) {}
}
