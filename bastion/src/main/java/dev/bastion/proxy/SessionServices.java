package dev.bastion.proxy;

import dev.bastion.audit.AuditLog;
import dev.bastion.config.BastionConfig;
import dev.bastion.policy.TargetPolicy;
import dev.bastion.upstream.UpstreamConnector;
import java.time.Clock;

/** What a session needs from the rest of the bastion. */
public record SessionServices(
    BastionConfig config,
    TargetPolicy policy,
    AuditLog audit,
    UpstreamConnector upstream,
    LiveSessions live,
    dev.bastion.recording.SessionRecorder recorder,
    WebLoginLinks webLogin,
    dev.bastion.approval.Approvals approvals,
    java.util.Optional<dev.bastion.approval.ApprovalWebhook> webhook,
    Clock clock,
    SetupHold setupHold,
    java.util.Optional<SsoCertificates> ssoCertificates) {}
