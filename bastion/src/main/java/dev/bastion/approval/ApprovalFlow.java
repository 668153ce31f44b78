package dev.bastion.approval;

import dev.bastion.audit.AuditKind;
import dev.bastion.config.BastionConfig;
import dev.bastion.keys.TimeSpans;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What four-eyes means for one session: it announces the request (to the engineer, the audit log,
 * the recording and the webhook), then turns the gate's transitions into what the engineer sees and
 * what the session does: start, pause, resume, end.
 */
public final class ApprovalFlow implements ApprovalGate.Listener {
  /** The session as the flow drives it. */
  public interface Session {
    String id();

    String requester();

    String target();

    String login();

    String kind();

    String command();

    /** One line to the engineer ({@code bastion: ...}). */
    void tell(String message);

    /** Tells the engineer, then logs in to the target and starts the session. */
    void start(String message);

    /** Ends a session that never started, telling the engineer why. */
    void refuse(String code, String message);

    /** Ends a running session, telling the engineer why. */
    void terminate(String reason);

    /** Too few approvers watch: the engineer's input is held from now on. */
    default void paused() {}

    /** Enough approvers watch again. */
    default void resumed() {}

    void marker(String text);

    void audit(AuditKind kind, String detail);
  }

  private final Session session;
  private final ApprovalGate gate;
  private final Approvals registry;

  /** A request not yet announced: its gate exists, so the session can wire its input first. */
  public ApprovalFlow(
      BastionConfig.Approval policy, Session session, Instant since, Approvals registry) {
    this.session = session;
    this.registry = registry;
    this.gate = new ApprovalGate(policy, session.requester(), since, this);
  }

  /** Registers the request (approvers can now find it), announces it, and starts the timeout. */
  public void request(String publicUrl, Optional<ApprovalWebhook> webhook) {
    BastionConfig.Approval policy = gate.policy();
    Optional<String> tooMany = registry.add(session.id(), gate);
    if (tooMany.isPresent()) {
      session.refuse("identity_approval_limit", tooMany.get());
      return;
    }
    String link = publicUrl + "/sessions/" + session.id();
    String roles = String.join(", ", policy.from());
    session.audit(
        AuditKind.APPROVAL_REQUESTED,
        "waiting for "
            + policy.count()
            + " approver(s) with role "
            + roles
            + "; timeout "
            + TimeSpans.describe(policy.timeout())
            + "; "
            + session.kind()
            + (session.command() == null ? "" : ": " + session.command()));
    session.marker("waiting for " + policy.count() + " approver(s)");
    session.tell(
        "target "
            + session.target()
            + " needs "
            + policy.count()
            + " approver(s) (role "
            + roles
            + ") watching before the session starts. Waiting; ask one to open "
            + link
            + " (Ctrl-C cancels)");
    webhook.ifPresent(
        hook ->
            hook.announce(
                Map.of(
                    "event",
                    AuditKind.APPROVAL_REQUESTED.code(),
                    "session_id",
                    session.id(),
                    "identity",
                    session.requester(),
                    "target",
                    session.target(),
                    "login",
                    session.login(),
                    "kind",
                    session.kind(),
                    "command",
                    session.command() == null ? "" : session.command(),
                    "approvers_needed",
                    policy.count(),
                    "from",
                    policy.from(),
                    "url",
                    link)));
    CompletableFuture.delayedExecutor(policy.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .execute(gate::timeout);
  }

  public ApprovalGate gate() {
    return gate;
  }

  /** Ctrl-C from the engineer: cancels a request that is still waiting. */
  public void cancelledByRequester() {
    if (gate.cancel()) {
      session.audit(AuditKind.APPROVAL_CANCELLED, "the requester cancelled while waiting (Ctrl-C)");
      session.marker("request cancelled by the requester");
      session.refuse(AuditKind.APPROVAL_CANCELLED.code(), "request cancelled");
    }
  }

  /** The engineer's connection went away; if the request was still waiting, that cancels it. */
  public void requesterLeft() {
    if (gate.cancel()) {
      session.audit(AuditKind.APPROVAL_CANCELLED, "the requester disconnected while waiting");
      session.marker("request cancelled: the requester disconnected");
    }
  }

  /** The session ended. */
  public void close() {
    gate.close();
    registry.remove(session.id());
  }

  @Override
  public void approved(List<String> approvers) {
    session.audit(
        AuditKind.APPROVAL_GRANTED, "approved by " + String.join(", ", approvers) + " watching");
    session.marker("approved by " + String.join(", ", approvers));
    session.start("approved by " + String.join(", ", approvers) + "; starting the session");
  }

  @Override
  public void paused(List<String> remaining) {
    session.audit(AuditKind.SESSION_PAUSED, "approvers watching: " + names(remaining));
    session.marker("paused: too few approvers watching");
    session.paused();
    session.tell(
        "paused: fewer than "
            + gate.policy().count()
            + " approver(s) are watching; your input is held until one is back");
  }

  @Override
  public void resumed(List<String> approvers) {
    session.audit(AuditKind.SESSION_RESUMED, "approvers watching: " + names(approvers));
    session.marker("resumed: " + names(approvers) + " watching");
    session.resumed();
    session.tell("resumed: " + names(approvers) + " watching again");
  }

  @Override
  public void approverLeft(List<String> remaining) {
    session.audit(AuditKind.APPROVER_LEFT, "approvers watching: " + names(remaining));
    session.terminate("an approver stopped watching, so the session ended (four-eyes)");
  }

  @Override
  public void declined(String by, String reason) {
    session.audit(AuditKind.APPROVAL_DECLINED, "declined by " + by + ": " + reason);
    session.marker("declined by " + by + ": " + reason);
    session.refuse(AuditKind.APPROVAL_DECLINED.code(), "request declined by " + by + ": " + reason);
  }

  @Override
  public void expired() {
    String timeout = TimeSpans.describe(gate.policy().timeout());
    session.audit(AuditKind.APPROVAL_EXPIRED, "no approver within " + timeout);
    session.marker("request expired: no approver within " + timeout);
    session.refuse(
        AuditKind.APPROVAL_EXPIRED.code(),
        "no approver watched within " + timeout + "; request expired");
  }

  private static String names(List<String> identities) {
    return identities.isEmpty() ? "none" : String.join(", ", identities);
  }
}
