package dev.bastion.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** {@code bastion.yaml} exactly as written, before validation; every field may be missing. */
record RawConfig(
    Ssh ssh,
    Web web,
    @JsonProperty("trusted_user_cas") List<String> trustedUserCas,
    Map<String, Target> targets,
    Map<String, Role> roles,
    Recording recording,
    Upstream upstream,
    Approvals approvals,
    Audit audit,
    Oidc oidc,
    Database database,
    Cluster cluster) {

  record Cluster(String name, String listen, List<String> members) {}

  /** {@code password} is read only to refuse it: passwords do not belong in this file. */
  record Database(
      String url,
      String user,
      String password,
      @JsonProperty("password_file") String passwordFile) {}

  /** {@code client_secret} is read only to refuse it: secrets do not belong in this file. */
  record Oidc(
      String issuer,
      String name,
      @JsonProperty("client_id") String clientId,
      @JsonProperty("client_secret") String clientSecret,
      @JsonProperty("client_secret_file") String clientSecretFile,
      @JsonProperty("identity_claim") String identityClaim,
      @JsonProperty("groups_claim") String groupsClaim,
      @JsonProperty("certificate_ttl") String certificateTtl,
      @JsonProperty("refresh") String refresh) {}

  record Audit(
      @JsonProperty("disk_reserve_mib") Long diskReserveMib,
      @JsonProperty("disk_floor_mib") Long diskFloorMib,
      @JsonProperty("json_lines") String jsonLines,
      String syslog,
      @JsonProperty("syslog_facility") String syslogFacility,
      @JsonProperty("syslog_ca") String syslogCa) {}

  record Throttle(
      String window,
      Integer connections,
      @JsonProperty("failed_logins") Integer failedLogins,
      Integer unauthenticated) {}

  record Approvals(@JsonProperty("webhook_url") String webhookUrl) {}

  record Ssh(
      String listen,
      List<String> hostnames,
      @JsonProperty("idle_timeout") String idleTimeout,
      @JsonProperty("clock_skew") String clockSkew,
      @JsonProperty("max_sessions") Integer maxSessions,
      @JsonProperty("max_sessions_per_identity") Integer maxSessionsPerIdentity,
      @JsonProperty("max_pending_approvals_per_identity") Integer maxPendingApprovalsPerIdentity,
      @JsonProperty("max_certificate_lifetime") String maxCertificateLifetime,
      Throttle throttle,
      @JsonProperty("accept_env") List<String> acceptEnv,
      @JsonProperty("shutdown_grace") String shutdownGrace) {}

  record Web(
      String listen, @JsonProperty("public_url") String publicUrl, Tls tls, Boolean insecure) {}

  record Tls(String cert, String key) {}

  record Target(
      String address,
      @JsonProperty("host_key") String hostKey,
      @JsonProperty("host_ca") String hostCa,
      List<String> logins,
      @JsonProperty("require_approval") Approval requireApproval) {}

  record Approval(
      Integer count, List<String> from, @JsonProperty("on_leave") String onLeave, String timeout) {}

  record Role(
      List<String> targets,
      List<String> logins,
      List<String> can,
      @JsonProperty("oidc_groups") List<String> oidcGroups) {}

  record Recording(Boolean input, String mode, String compression, String retention, String dir) {}

  record Upstream(
      @JsonProperty("connect_timeout") String connectTimeout,
      @JsonProperty("keepalive") String keepalive) {}
}
