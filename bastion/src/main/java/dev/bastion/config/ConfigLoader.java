package dev.bastion.config;

import dev.bastion.keys.TimeSpans;
import dev.bastion.web.WebRight;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code bastion.yaml} and checks every value once, at start. A mistake stops the start with
 * the file, the key and the value at fault: {@code bastion.yaml: targets.web01.address: 'web01' is
 * not host:port}.
 */
public final class ConfigLoader extends ConfigValues {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9._*?\\[\\]-]+");

  private final Path baseDir;
  private final java.util.function.UnaryOperator<String> env;

  private ConfigLoader(String source, Path baseDir, java.util.function.UnaryOperator<String> env) {
    super(source);
    this.baseDir = baseDir;
    this.env = env;
  }

  /** Loads a file, or the defaults when there is none. */
  public static BastionConfig load(Optional<Path> file) {
    if (file.isEmpty()) {
      return new ConfigLoader("defaults", Path.of("."), System::getenv)
          .validate(
              new RawConfig(
                  null, null, null, null, null, null, null, null, null, null, null, null));
    }
    Path path = file.get();
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + path + ": " + e.getMessage(), e);
    }
    Path dir = path.toAbsolutePath().getParent();
    return new ConfigLoader(path.getFileName().toString(), dir, System::getenv)
        .validate(RawConfigReader.read(path.getFileName().toString(), text));
  }

  /**
   * Parses YAML text; {@code source} names it in messages, relative file names are resolved in the
   * working directory.
   */
  public static BastionConfig parse(String source, String yaml) {
    return parse(source, yaml, Path.of("."), System::getenv);
  }

  /** Parses YAML text with files relative to {@code baseDir} and this environment. */
  public static BastionConfig parse(
      String source, String yaml, Path baseDir, java.util.function.UnaryOperator<String> env) {
    return new ConfigLoader(source, baseDir, env).validate(RawConfigReader.read(source, yaml));
  }

  private BastionConfig validate(RawConfig raw) {
    BastionConfig.Ssh ssh =
        ssh(
            raw.ssh() == null
                ? new RawConfig.Ssh(
                    null, null, null, null, null, null, null, null, null, null, null)
                : raw.ssh());
    BastionConfig.Web web =
        web(raw.web() == null ? new RawConfig.Web(null, null, null, null) : raw.web());
    List<PublicKey> cas = new ArrayList<>();
    List<String> caLines = raw.trustedUserCas() == null ? List.of() : raw.trustedUserCas();
    for (int i = 0; i < caLines.size(); i++) {
      cas.add(publicKey("trusted_user_cas[" + i + "]", caLines.get(i)));
    }
    Map<String, BastionConfig.Role> roles = new LinkedHashMap<>();
    if (raw.roles() != null) {
      raw.roles().forEach((name, role) -> roles.put(name, role(name, role)));
    }
    Map<String, BastionConfig.Target> targets = new LinkedHashMap<>();
    if (raw.targets() != null) {
      raw.targets().forEach((name, target) -> targets.put(name, target(name, target, roles)));
    }
    RawConfig.Recording rec =
        raw.recording() == null
            ? new RawConfig.Recording(null, null, null, null, null)
            : raw.recording();
    BastionConfig.RecordingMode mode =
        word(
            "recording.mode",
            rec.mode(),
            BastionConfig.RecordingMode.STRICT,
            BastionConfig.RecordingMode.class);
    BastionConfig.RecordingCompression compression =
        word(
            "recording.compression",
            rec.compression(),
            BastionConfig.RecordingCompression.ZSTD,
            BastionConfig.RecordingCompression.class);
    RawConfig.Upstream up =
        raw.upstream() == null ? new RawConfig.Upstream(null, null) : raw.upstream();
    BastionConfig.Upstream upstream =
        new BastionConfig.Upstream(
            duration(
                "upstream.connect_timeout", up.connectTimeout(), Duration.ofSeconds(10), false),
            duration("upstream.keepalive", up.keepalive(), Duration.ofSeconds(15), true));
    Optional<java.net.URI> webhook = Optional.empty();
    if (raw.approvals() != null && raw.approvals().webhookUrl() != null) {
      String url = raw.approvals().webhookUrl();
      try {
        java.net.URI uri = new java.net.URI(url);
        if (uri.getScheme() == null
            || !uri.getScheme().matches("https?")
            || uri.getHost() == null) {
          throw new IllegalArgumentException();
        }
        webhook = Optional.of(uri);
      } catch (Exception e) {
        throw fail("approvals.webhook_url", url, "is not an http(s) URL");
      }
    }
    Optional<BastionConfig.Oidc> oidc =
        raw.oidc() == null
            ? Optional.empty()
            : Optional.of(
                new OidcSettings(source, baseDir, env)
                    .check(raw.oidc(), ssh.maxCertificateLifetime()));
    if (oidc.isEmpty()) {
      roles.values().stream()
          .filter(role -> !role.oidcGroups().isEmpty())
          .findFirst()
          .ifPresent(
              role -> {
                throw fail(
                    "roles." + role.name() + ".oidc_groups",
                    String.join(",", role.oidcGroups()),
                    "needs single sign-on: configure oidc (issuer, client_id) or remove it");
              });
    }
    Optional<BastionConfig.Database> database =
        new DatabaseSettings(source, baseDir, env).check(raw.database());
    return new BastionConfig(
        ssh,
        web,
        List.copyOf(cas),
        java.util.Collections.unmodifiableMap(targets),
        java.util.Collections.unmodifiableMap(roles),
        new BastionConfig.Recording(
            Boolean.TRUE.equals(rec.input()),
            mode,
            compression,
            retention(rec.retention()),
            recordingDir(rec.dir())),
        upstream,
        new BastionConfig.Approvals(webhook),
        auditDisk(
            raw.audit() == null
                ? new RawConfig.Audit(null, null, null, null, null, null)
                : raw.audit()),
        oidc,
        database,
        new ClusterSettings(source).check(raw.cluster(), database.isPresent()));
  }

  /**
   * At least an hour (a recording is never removed while it is being sealed), at most a century.
   */
  private Optional<Duration> retention(String value) {
    String key = "recording.retention";
    if (value == null) {
      return Optional.empty();
    }
    String forever = "; leave recording.retention out to keep recordings forever";
    if (value.strip().matches("0+[smhdwSMHDW]?")) {
      throw fail(key, value, "is zero: every recording would be removed as it ends" + forever);
    }
    Duration retention;
    try {
      retention = TimeSpans.parse(value);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw fail(key, value, "is not a duration; use e.g. 365d, 52w or 72h" + forever);
    }
    if (retention.compareTo(Duration.ofHours(1)) < 0) {
      throw fail(key, value, "is less than 1h (a bare number is seconds); use e.g. 365d");
    }
    if (retention.compareTo(Duration.ofDays(36_500)) > 0) {
      throw fail(key, value, "is more than 100 years" + forever);
    }
    return Optional.of(retention);
  }

  private BastionConfig.AuditDisk auditDisk(RawConfig.Audit raw) {
    long reserve = raw.diskReserveMib() == null ? 256 : raw.diskReserveMib();
    long floor = raw.diskFloorMib() == null ? Math.min(64, reserve) : raw.diskFloorMib();
    if (floor < 0 || floor > reserve) {
      throw fail(
          "audit.disk_floor_mib",
          Long.toString(floor),
          "must be from 0 to audit.disk_reserve_mib (" + reserve + ")");
    }
    return new BastionConfig.AuditDisk(
        reserve << 20,
        floor << 20,
        jsonLines(raw.jsonLines()),
        new SyslogSettings(source, baseDir).check(raw));
  }

  /** A directory resolved against the configuration's directory. */
  private Optional<Path> recordingDir(String value) {
    if (value == null) {
      return Optional.empty();
    }
    if (value.isBlank()) {
      throw fail(
          "recording.dir",
          value,
          "is empty; give a directory, or leave it out for <data-dir>/recordings");
    }
    try {
      return Optional.of(baseDir.resolve(value).toAbsolutePath().normalize());
    } catch (java.nio.file.InvalidPathException e) {
      throw fail("recording.dir", value, "is not a path: " + e.getReason());
    }
  }

  /** {@code stdout}, or a file resolved against the configuration's directory. */
  private Optional<String> jsonLines(String value) {
    if (value == null) {
      return Optional.empty();
    }
    if (value.isBlank()) {
      throw fail("audit.json_lines", value, "is empty; give a file or stdout, or leave it out");
    }
    if (value.equals(BastionConfig.AuditDisk.STDOUT)) {
      return Optional.of(value);
    }
    return Optional.of(baseDir.resolve(value).toAbsolutePath().normalize().toString());
  }

  private BastionConfig.Throttle throttle(RawConfig.Throttle raw) {
    if (raw == null) {
      raw = new RawConfig.Throttle(null, null, null, null);
    }
    return new BastionConfig.Throttle(
        duration("ssh.throttle.window", raw.window(), Duration.ofMinutes(1), false),
        atLeastOne("ssh.throttle.connections", raw.connections(), 600),
        atLeastOne("ssh.throttle.failed_logins", raw.failedLogins(), 20),
        atLeastOne("ssh.throttle.unauthenticated", raw.unauthenticated(), 10));
  }

  private int atLeastOne(String at, Integer value, int fallback) {
    int v = value == null ? fallback : value;
    if (v < 1) {
      throw fail(at, Integer.toString(v), "must be at least 1");
    }
    return v;
  }

  private BastionConfig.Ssh ssh(RawConfig.Ssh raw) {
    InetSocketAddress listen =
        resolved(
            "ssh.listen",
            address("ssh.listen", raw.listen() == null ? "0.0.0.0:2222" : raw.listen(), -1));
    List<String> hostnames = raw.hostnames();
    if (hostnames == null || hostnames.isEmpty()) {
      Set<String> names = new LinkedHashSet<>();
      try {
        names.add(InetAddress.getLocalHost().getHostName());
      } catch (UnknownHostException e) {
        // no resolvable host name; the loopback names still work
      }
      names.add("localhost");
      names.add("127.0.0.1");
      hostnames = List.copyOf(names);
    }
    int max = atLeastOne("ssh.max_sessions", raw.maxSessions(), 1000);
    return new BastionConfig.Ssh(
        listen,
        hostnames,
        duration("ssh.idle_timeout", raw.idleTimeout(), Duration.ZERO, true),
        duration("ssh.clock_skew", raw.clockSkew(), Duration.ofSeconds(60), true),
        max,
        // one person never takes every slot: by default at most half of them, and at most 50
        atLeastOne(
            "ssh.max_sessions_per_identity",
            raw.maxSessionsPerIdentity(),
            Math.min(50, Math.max(1, max / 2))),
        atLeastOne(
            "ssh.max_pending_approvals_per_identity", raw.maxPendingApprovalsPerIdentity(), 3),
        duration(
            "ssh.max_certificate_lifetime",
            raw.maxCertificateLifetime(),
            Duration.ofDays(7),
            false),
        throttle(raw.throttle()),
        acceptEnv(raw.acceptEnv()),
        shutdownGrace(raw.shutdownGrace()));
  }

  /**
   * How long live sessions may go on after SIGTERM: 0 ends them at once; at most a day (a
   * supervisor that waits longer than that for a stop is rare).
   */
  private Duration shutdownGrace(String value) {
    Duration grace = duration("ssh.shutdown_grace", value, Duration.ofSeconds(60), true);
    if (grace.compareTo(Duration.ofDays(1)) > 0) {
      throw fail(
          "ssh.shutdown_grace",
          value,
          "is longer than a day; give at most 24h (0 ends sessions at once)");
    }
    return grace;
  }

  private EnvNames acceptEnv(List<String> raw) {
    if (raw == null) {
      return EnvNames.DEFAULT;
    }
    try {
      return EnvNames.of(raw);
    } catch (IllegalArgumentException e) {
      throw fail("ssh.accept_env", String.valueOf(raw), e.getMessage());
    }
  }

  private BastionConfig.Web web(RawConfig.Web raw) {
    InetSocketAddress listen =
        resolved(
            "web.listen",
            address("web.listen", raw.listen() == null ? "127.0.0.1:8080" : raw.listen(), -1));
    boolean insecure = Boolean.TRUE.equals(raw.insecure());
    Optional<BastionConfig.Tls> tls = Optional.empty();
    if (raw.tls() != null) {
      if (raw.tls().cert() == null || raw.tls().key() == null) {
        throw fail("web.tls", String.valueOf(raw.tls()), "needs both cert and key");
      }
      tls = Optional.of(new BastionConfig.Tls(raw.tls().cert(), raw.tls().key()));
    }
    if (tls.isEmpty() && !insecure && !listen.getAddress().isLoopbackAddress()) {
      throw fail(
          "web.listen",
          raw.listen(),
          "is not a loopback address, so it needs web.tls (or web.insecure: true to serve plain HTTP anyway)");
    }
    String scheme = tls.isPresent() ? "https" : "http";
    String publicUrl =
        raw.publicUrl() != null ? raw.publicUrl() : scheme + "://" + hostPort(listen);
    try {
      URI uri = new URI(publicUrl);
      if (uri.getScheme() == null || uri.getHost() == null || !uri.getScheme().matches("https?")) {
        throw new IllegalArgumentException();
      }
    } catch (Exception e) {
      throw fail("web.public_url", publicUrl, "is not an http(s) URL");
    }
    return new BastionConfig.Web(listen, publicUrl.replaceAll("/+$", ""), tls, insecure);
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  private BastionConfig.Role role(String name, RawConfig.Role raw) {
    String at = "roles." + name;
    if (!NAME.matcher(name).matches()) {
      throw fail(
          at, name, "role names are certificate principals: letters, digits, '.', '_' and '-'");
    }
    if (raw == null) {
      throw fail(at, "(empty)", "needs targets and logins, or web rights under can");
    }
    List<String> targets =
        raw.targets() == null ? List.of() : notBlank(at + ".targets", raw.targets());
    for (String glob : targets) {
      if (!GLOB.matcher(glob).matches()) {
        throw fail(
            at + ".targets",
            glob,
            "is not a target name glob (letters, digits, . _ - and * ? [ ])");
      }
    }
    List<String> logins = roleLogins(at, targets, raw.logins());
    Set<WebRight> can = new LinkedHashSet<>();
    for (String word : raw.can() == null ? List.<String>of() : raw.can()) {
      can.add(
          WebRight.named(word)
              .orElseThrow(
                  () -> fail(at + ".can", word, "is not a right; use " + WebRight.words())));
    }
    if (targets.isEmpty() && can.isEmpty()) {
      throw fail(
          at + ".targets",
          "(empty)",
          "the role grants nothing: give targets and logins, or web rights under can");
    }
    List<String> groups =
        raw.oidcGroups() == null ? List.of() : notBlank(at + ".oidc_groups", raw.oidcGroups());
    return new BastionConfig.Role(name, targets, logins, Set.copyOf(can), List.copyOf(groups));
  }

  /**
   * A role with targets needs logins; a role without targets (web rights only, a reviewer who
   * approves and watches but logs in nowhere) may not list logins, which would reach nothing.
   */
  private List<String> roleLogins(String at, List<String> targets, List<String> raw) {
    if (targets.isEmpty()) {
      if (raw != null && !raw.isEmpty()) {
        throw fail(
            at + ".logins",
            String.join(",", raw),
            "reach nothing without targets; add targets or remove logins");
      }
      return List.of();
    }
    List<String> logins = nonEmpty(at + ".logins", raw);
    logins.forEach(login -> checkLogin(at + ".logins", login));
    return logins;
  }

  private BastionConfig.Target target(
      String name, RawConfig.Target raw, Map<String, BastionConfig.Role> roles) {
    String at = "targets." + name;
    if (!NAME.matcher(name).matches()) {
      throw fail(at, name, "target names may hold letters, digits, '.', '_' and '-'");
    }
    if (raw == null || raw.address() == null) {
      throw fail(at + ".address", "(missing)", "every target needs an address, host:port");
    }
    InetSocketAddress address = address(at + ".address", raw.address(), 22);
    if (raw.hostKey() == null && raw.hostCa() == null) {
      throw fail(
          at,
          "(no host_key, no host_ca)",
          "needs host_key (the pinned key) or host_ca; the bastion never connects to a host it cannot verify");
    }
    if (raw.hostKey() != null && raw.hostCa() != null) {
      throw fail(at, "host_key and host_ca", "give one of host_key or host_ca, not both");
    }
    Optional<PublicKey> hostKey =
        Optional.ofNullable(raw.hostKey()).map(k -> publicKey(at + ".host_key", k));
    Optional<PublicKey> hostCa =
        Optional.ofNullable(raw.hostCa()).map(k -> publicKey(at + ".host_ca", k));
    List<String> logins = nonEmpty(at + ".logins", raw.logins());
    logins.forEach(login -> checkLogin(at + ".logins", login));
    Optional<BastionConfig.Approval> approval = Optional.empty();
    if (raw.requireApproval() != null) {
      approval = Optional.of(approval(at + ".require_approval", raw.requireApproval(), roles));
    }
    return new BastionConfig.Target(
        name, address.getHostString(), address.getPort(), hostKey, hostCa, logins, approval);
  }

  /**
   * Approvers hold one of the {@code from} roles, and each of those roles must carry the {@code
   * approve} right, so that who may approve is visible in one place: the role. Without {@code
   * from}, every role with {@code approve} counts.
   */
  private BastionConfig.Approval approval(
      String at, RawConfig.Approval raw, Map<String, BastionConfig.Role> roles) {
    int count = raw.count() == null ? 1 : raw.count();
    if (count < 1) {
      throw fail(at + ".count", Integer.toString(count), "must be at least 1");
    }
    List<String> from;
    if (raw.from() == null) {
      from =
          roles.values().stream()
              .filter(r -> r.can().contains(WebRight.APPROVE))
              .map(BastionConfig.Role::name)
              .toList();
      if (from.isEmpty()) {
        throw fail(
            at + ".from",
            "(missing)",
            "no role has the approve right; list approver roles here or add approve to a role's can");
      }
    } else {
      from = nonEmpty(at + ".from", raw.from());
      for (String role : from) {
        if (!roles.containsKey(role)) {
          throw fail(at + ".from", role, "is not a role defined under roles");
        }
        if (!roles.get(role).can().contains(WebRight.APPROVE)) {
          throw fail(
              at + ".from",
              role,
              "does not have the approve right; add approve to roles." + role + ".can");
        }
      }
    }
    BastionConfig.OnLeave onLeave =
        word(
            at + ".on_leave",
            raw.onLeave(),
            BastionConfig.OnLeave.PAUSE,
            BastionConfig.OnLeave.class);
    return new BastionConfig.Approval(
        count,
        from,
        onLeave,
        duration(at + ".timeout", raw.timeout(), Duration.ofMinutes(10), false));
  }
}
