package dev.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.web.WebRight;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  static final String KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOBa+SuSTtCXdCIl5/kGuy3CPjFmoggjUjAEahAHZNDk host";

  @Test
  void noConfigurationMeansSafeDefaults() {
    BastionConfig config = ConfigLoader.load(Optional.empty());
    assertEquals(2222, config.ssh().listen().getPort());
    assertEquals("127.0.0.1", config.web().listen().getAddress().getHostAddress());
    assertEquals("http://127.0.0.1:8080", config.web().publicUrl());
    assertTrue(config.targets().isEmpty());
    assertEquals(BastionConfig.RecordingMode.STRICT, config.recording().mode());
    assertEquals(Duration.ofSeconds(10), config.upstream().connectTimeout());
    assertEquals(50, config.ssh().maxSessionsPerIdentity());
    assertEquals(3, config.ssh().maxPendingApprovalsPerIdentity());
    assertEquals(Duration.ofDays(7), config.ssh().maxCertificateLifetime());
  }

  @Test
  void recordingsAreKeptForeverUnlessARetentionIsGiven() {
    assertEquals(Optional.empty(), ConfigLoader.load(Optional.empty()).recording().retention());
    assertEquals(
        Optional.of(Duration.ofDays(365)),
        ConfigLoader.parse("t.yaml", "recording: {retention: 365d}").recording().retention());
    assertEquals(
        Optional.of(Duration.ofHours(72)),
        ConfigLoader.parse("t.yaml", "recording: {retention: 72h}").recording().retention());
    assertEquals(
        Optional.of(Duration.ofDays(364)),
        ConfigLoader.parse("t.yaml", "recording: {retention: 52w}").recording().retention());
  }

  @Test
  void recordingsAreInTheDataDirectoryUnlessADirectoryIsGivenRelativeToTheConfiguration() {
    Path data = Path.of("/var/lib/bastion");
    assertEquals(
        data.resolve("recordings"),
        ConfigLoader.load(Optional.empty()).recording().store(data).root());
    assertEquals(
        Path.of("/mnt/recordings"),
        ConfigLoader.parse("t.yaml", "recording: {dir: /mnt/recordings}")
            .recording()
            .store(data)
            .root());
    assertEquals(
        Path.of("/etc/bastion/shared"),
        ConfigLoader.parse("t.yaml", "recording: {dir: shared}", Path.of("/etc/bastion"), n -> null)
            .recording()
            .store(data)
            .root());
  }

  @Test
  void recordingsAreCompressedWithZstdUnlessCompressionIsNone() {
    assertEquals(
        dev.bastion.recorder.RecordingFormat.ZSTD,
        ConfigLoader.load(Optional.empty()).recording().compression().format());
    assertEquals(
        dev.bastion.recorder.RecordingFormat.PLAIN,
        ConfigLoader.parse("t.yaml", "recording: {compression: none}")
            .recording()
            .compression()
            .format());
  }

  @Test
  void sessionsGetAMinuteAfterSigtermUnlessTheGraceIsConfigured() {
    assertEquals(Duration.ofSeconds(60), ConfigLoader.load(Optional.empty()).ssh().shutdownGrace());
    assertEquals(
        Duration.ZERO,
        ConfigLoader.parse("t.yaml", "ssh: {shutdown_grace: 0}").ssh().shutdownGrace());
    assertEquals(
        Duration.ofMinutes(5),
        ConfigLoader.parse("t.yaml", "ssh: {shutdown_grace: 5m}").ssh().shutdownGrace());
  }

  @Test
  void onePersonGetsAtMostHalfOfASmallBastionByDefault() {
    BastionConfig config = ConfigLoader.parse("t.yaml", "ssh: {max_sessions: 10}");
    assertEquals(5, config.ssh().maxSessionsPerIdentity());
  }

  @Test
  void auditStreamIsStdoutOrAFileRelativeToTheConfiguration() {
    assertEquals(
        Optional.of("stdout"),
        ConfigLoader.parse("t.yaml", "audit: {json_lines: stdout}").audit().jsonLines());
    assertEquals(
        Optional.of(java.nio.file.Path.of("/etc/bastion/log/audit.jsonl").toString()),
        ConfigLoader.parse(
                "t.yaml",
                "audit: {json_lines: log/audit.jsonl}",
                java.nio.file.Path.of("/etc/bastion"),
                name -> null)
            .audit()
            .jsonLines());
    ConfigException blank =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse("t.yaml", "audit: {json_lines: \"\"}"));
    assertTrue(blank.getMessage().contains("audit.json_lines"), blank.getMessage());
  }

  @Test
  void preLoginLimitsAndDiskReserveHaveDefaultsAndAreChecked() {
    BastionConfig defaults = ConfigLoader.load(Optional.empty());
    assertEquals(
        new BastionConfig.Throttle(Duration.ofMinutes(1), 600, 20, 10), defaults.ssh().throttle());
    assertEquals(new BastionConfig.AuditDisk(256L << 20, 64L << 20), defaults.audit());
    BastionConfig set =
        ConfigLoader.parse(
            "t.yaml",
            "ssh:\n  throttle: {window: 30s, failed_logins: 5, unauthenticated: 2}\n"
                + "audit: {disk_reserve_mib: 1024, disk_floor_mib: 100}\n");
    assertEquals(
        new BastionConfig.Throttle(Duration.ofSeconds(30), 600, 5, 2), set.ssh().throttle());
    assertEquals(new BastionConfig.AuditDisk(1024L << 20, 100L << 20), set.audit());
    ConfigException zero =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse("t.yaml", "ssh:\n  throttle: {unauthenticated: 0}\n"));
    assertEquals("t.yaml: ssh.throttle.unauthenticated: '0' must be at least 1", zero.getMessage());
    ConfigException floor =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    "t.yaml", "audit: {disk_reserve_mib: 10, disk_floor_mib: 20}\n"));
    assertTrue(floor.getMessage().contains("audit.disk_floor_mib: '20'"), floor.getMessage());
  }

  @Test
  void acceptedEnvironmentDefaultsToLocaleTerminalAndGitProtocolAndTakesGlobs() {
    EnvNames defaults = ConfigLoader.load(Optional.empty()).ssh().acceptEnv();
    for (String name : List.of("LANG", "LC_ALL", "TERM", "GIT_PROTOCOL")) {
      assertTrue(defaults.accepts(name), name);
    }
    assertFalse(defaults.accepts("LD_PRELOAD"));
    assertFalse(defaults.accepts("TERMCAP"));
    EnvNames set =
        ConfigLoader.parse("t.yaml", "ssh: {accept_env: [\"APP_*_MODE\", TZ]}").ssh().acceptEnv();
    assertTrue(set.accepts("APP_X_Y_MODE"));
    assertTrue(set.accepts("TZ"));
    assertFalse(set.accepts("LANG"));
    assertFalse(set.accepts("APP_MODES"));
    ConfigException bad =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse("t.yaml", "ssh: {accept_env: [\"LC_*\", \"A=B\"]}"));
    assertTrue(bad.getMessage().contains("ssh.accept_env"), bad.getMessage());
  }

  @Test
  void fullExampleFromTheInterfaceParses() {
    BastionConfig config =
        ConfigLoader.parse(
            "bastion.yaml",
            String.join(
                "\n",
                "ssh:",
                "  listen: 0.0.0.0:2222",
                "web:",
                "  listen: 127.0.0.1:8080",
                "  public_url: http://127.0.0.1:8080",
                "trusted_user_cas: []",
                "targets:",
                "  web01:",
                "    address: 10.0.0.5:22",
                "    host_key: \"" + KEY + "\"",
                "    logins: [deploy]",
                "    require_approval: {count: 1, from: [approver], on_leave: pause}",
                "  db01:",
                "    address: db01.internal",
                "    host_ca: \"" + KEY + "\"",
                "    logins: [postgres]",
                "roles:",
                "  ops:",
                "    targets: [\"web*\"]",
                "    logins: [deploy]",
                "    can: [shadow, terminate]",
                "  approver:",
                "    targets: [\"*\"]",
                "    logins: [deploy]",
                "    can: [approve]",
                "recording:",
                "  input: false",
                "  mode: strict",
                ""));
    BastionConfig.Target web = config.targets().get("web01");
    assertEquals("10.0.0.5:22", web.address());
    assertTrue(web.hostKey().isPresent());
    assertEquals(1, web.requireApproval().orElseThrow().count());
    assertEquals(22, config.targets().get("db01").port());
    assertEquals(Set.of(WebRight.SHADOW, WebRight.TERMINATE), config.roles().get("ops").can());
  }

  @Test
  void approvalWithoutFromIsGivenByEveryRoleWithTheApproveRight() {
    BastionConfig config =
        ConfigLoader.parse(
            "t.yaml",
            String.join(
                "\n",
                "targets:",
                "  db01: {address: 'h', host_key: '"
                    + KEY
                    + "', logins: [postgres], require_approval: {count: 2, timeout: 5m}}",
                "roles:",
                "  dba: {targets: ['db*'], logins: [postgres]}",
                "  lead: {targets: ['db*'], logins: [postgres], can: [approve]}",
                "  security: {targets: ['*'], logins: [postgres], can: [approve, audit]}",
                ""));
    BastionConfig.Approval approval = config.targets().get("db01").requireApproval().orElseThrow();
    assertEquals(List.of("lead", "security"), approval.from());
    assertEquals(2, approval.count());
    assertEquals(BastionConfig.OnLeave.PAUSE, approval.onLeave());
    assertEquals(Duration.ofMinutes(5), approval.timeout());
  }

  @Test
  void aRoleMayGrantWebRightsOnlyAndReachNoTarget() {
    BastionConfig config =
        ConfigLoader.parse(
            "t.yaml",
            String.join(
                "\n",
                "roles:",
                "  reviewer: {targets: [], can: [approve, shadow]}",
                "  auditor: {can: [audit]}",
                "targets:",
                "  web01: {address: 'h', host_key: '"
                    + KEY
                    + "', logins: [deploy],"
                    + " require_approval: {from: [reviewer]}}",
                ""));
    BastionConfig.Role reviewer = config.roles().get("reviewer");
    assertEquals(List.of(), reviewer.targets());
    assertEquals(List.of(), reviewer.logins());
    assertEquals(Set.of(WebRight.APPROVE, WebRight.SHADOW), reviewer.can());
    assertEquals(List.of(), config.roles().get("auditor").targets());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "bad address | targets: {web01: {address: 'web01:99999', host_key: 'KEY', logins: [deploy]}} | t.yaml: targets.web01.address: 'web01:99999' is not host:port with a port from 1 to 65535",
        "no host key | targets: {web01: {address: '10.0.0.5', logins: [deploy]}} | t.yaml: targets.web01: '(no host_key, no host_ca)' needs host_key (the pinned key) or host_ca",
        "bad host key | targets: {web01: {address: '10.0.0.5', host_key: 'ssh-ed25519 nope', logins: [deploy]}} | t.yaml: targets.web01.host_key: 'ssh-ed25519 nope' is not an OpenSSH public key line",
        "no logins | targets: {web01: {address: '10.0.0.5', host_key: 'KEY', logins: []}} | t.yaml: targets.web01.logins: '(empty)' needs at least one entry",
        "typo in key | targets: {web01: {adress: '10.0.0.5'}} | t.yaml: unknown key 'targets.web01.adress'",
        "role granting nothing | roles: {idle: {targets: []}} | t.yaml: roles.idle.targets: '(empty)' the role grants nothing: give targets and logins, or web rights under can",
        "logins without targets | roles: {rev: {targets: [], logins: [deploy], can: [approve]}} | t.yaml: roles.rev.logins: 'deploy' reach nothing without targets; add targets or remove logins",
        "targets without logins | roles: {ops: {targets: ['*']}} | t.yaml: roles.ops.logins: '(empty)' needs at least one entry",
        "unknown right | roles: {ops: {targets: ['*'], logins: [deploy], can: [root]}} | t.yaml: roles.ops.can: 'root' is not a right",
        "approval from unknown role | roles: {ops: {targets: ['*'], logins: [deploy]}}\\ntargets: {web01: {address: 'h', host_key: 'KEY', logins: [deploy], require_approval: {from: [nobody]}}} | t.yaml: targets.web01.require_approval.from: 'nobody' is not a role defined under roles",
        "approver role without the right | roles: {lead: {targets: ['*'], logins: [deploy], can: [shadow]}}\\ntargets: {web01: {address: 'h', host_key: 'KEY', logins: [deploy], require_approval: {from: [lead]}}} | t.yaml: targets.web01.require_approval.from: 'lead' does not have the approve right; add approve to roles.lead.can",
        "approval without approvers | roles: {ops: {targets: ['*'], logins: [deploy]}}\\ntargets: {web01: {address: 'h', host_key: 'KEY', logins: [deploy], require_approval: {count: 1}}} | t.yaml: targets.web01.require_approval.from: '(missing)' no role has the approve right",
        "approval on_leave | roles: {lead: {targets: ['*'], logins: [deploy], can: [approve]}}\\ntargets: {web01: {address: 'h', host_key: 'KEY', logins: [deploy], require_approval: {on_leave: ignore}}} | t.yaml: targets.web01.require_approval.on_leave: 'ignore' must be pause or terminate",
        "recording mode | recording: {mode: sometimes} | t.yaml: recording.mode: 'sometimes' must be strict or best_effort",
        "retention zero | recording: {retention: 0d} | t.yaml: recording.retention: '0d' is zero: every recording would be removed as it ends; leave recording.retention out to keep recordings forever",
        "retention negative | recording: {retention: -30d} | t.yaml: recording.retention: '-30d' is not a duration; use e.g. 365d, 52w or 72h",
        "retention garbage | recording: {retention: a year} | t.yaml: recording.retention: 'a year' is not a duration; use e.g. 365d",
        "retention overflow | recording: {retention: 99999999999999999d} | t.yaml: recording.retention: '99999999999999999d' is not a duration",
        "retention bare number | recording: {retention: 365} | t.yaml: recording.retention: '365' is less than 1h (a bare number is seconds)",
        "retention centuries | recording: {retention: 10000w} | t.yaml: recording.retention: '10000w' is more than 100 years",
        "recording dir empty | recording: {dir: ''} | t.yaml: recording.dir: '' is empty; give a directory, or leave it out for <data-dir>/recordings",
        "recording compression | recording: {compression: gzip} | t.yaml: recording.compression: 'gzip' must be zstd or none",
        "public web without tls | web: {listen: '0.0.0.0:8080'} | t.yaml: web.listen: '0.0.0.0:8080' is not a loopback address, so it needs web.tls",
        "bad duration | upstream: {connect_timeout: soon} | t.yaml: upstream.connect_timeout: 'soon' is not a duration; use e.g. 90s",
        "not yaml | ssh: 'unterminated | t.yaml: not valid YAML at line",
        "per-identity sessions | ssh: {max_sessions_per_identity: 0} | t.yaml: ssh.max_sessions_per_identity: '0' must be at least 1",
        "pending approvals | ssh: {max_pending_approvals_per_identity: -1} | t.yaml: ssh.max_pending_approvals_per_identity: '-1' must be at least 1",
        "shutdown grace negative | ssh: {shutdown_grace: -5s} | t.yaml: ssh.shutdown_grace: '-5s' is not a duration; use e.g. 90s",
        "shutdown grace too long | ssh: {shutdown_grace: 2d} | t.yaml: ssh.shutdown_grace: '2d' is longer than a day; give at most 24h (0 ends sessions at once)",
        "certificate lifetime | ssh: {max_certificate_lifetime: 0} | t.yaml: ssh.max_certificate_lifetime: duration '0' is zero",
        "wrong type | targets: [web01] | t.yaml: targets: expected a mapping (key: value) here",
      })
  void mistakesStopTheStartNamingTheKeyAndValue(String name, String yaml, String expected) {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse("t.yaml", yaml.replace("\\n", "\n").replace("KEY", KEY)));
    assertTrue(e.getMessage().startsWith(expected), name + ": " + e.getMessage());
  }
}
