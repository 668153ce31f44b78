package dev.bastion.proxy;

import dev.bastion.approval.ApprovalFlow;
import dev.bastion.approval.ApprovalGate;
import dev.bastion.audit.AuditKind;
import dev.bastion.config.BastionConfig;

/**
 * A four-eyes session as the approval flow sees it: the flow's decisions (approved, declined,
 * paused, an approver left) become events of the session, its lines go to the engineer, its markers
 * to the recording and its rows to the audit log. It also owns the gate on the engineer's input.
 */
final class FourEyes implements ApprovalFlow.Session {
  private final ProxiedSession session;
  private final ClientChannel client;
  private final RecordingTap recording;
  private final SessionAudit audit;
  private final ApprovalFlow flow;
  private final GatedInput input;

  FourEyes(
      ProxiedSession session,
      ClientChannel client,
      RecordingTap recording,
      SessionAudit audit,
      BastionConfig.Approval policy,
      SessionServices services) {
    this.session = session;
    this.client = client;
    this.recording = recording;
    this.audit = audit;
    this.flow = new ApprovalFlow(policy, this, session.startedAt(), services.approvals());
    this.input = new GatedInput(flow.gate(), recording.input(), flow::cancelledByRequester);
  }

  /** Announces the request: to the engineer, the audit log, the recording, the webhook. */
  void request(SessionServices services) {
    flow.request(services.config().web().publicUrl(), services.webhook());
  }

  GatedInput input() {
    return input;
  }

  ApprovalGate gate() {
    return flow.gate();
  }

  /** The engineer left; a request still waiting is cancelled. */
  void requesterLeft() {
    flow.requesterLeft();
  }

  /** The session ended: approvers can no longer find it. */
  void close() {
    flow.close();
  }

  @Override
  public String id() {
    return session.id();
  }

  @Override
  public String requester() {
    return session.identity();
  }

  @Override
  public String target() {
    return session.grant().target().name();
  }

  @Override
  public String login() {
    return session.grant().login();
  }

  @Override
  public String kind() {
    return session.kind().code();
  }

  @Override
  public String command() {
    return session.command();
  }

  @Override
  public void tell(String message) {
    client.tell(message, () -> {});
  }

  @Override
  public void start(String message) {
    client.tell(message, session::approved);
  }

  @Override
  public void refuse(String code, String message) {
    session.refuse(code, message);
  }

  @Override
  public void terminate(String reason) {
    session.terminate(reason);
  }

  @Override
  public void paused() {
    session.paused(true);
  }

  @Override
  public void resumed() {
    session.paused(false);
  }

  @Override
  public void marker(String text) {
    recording.marker(text);
  }

  @Override
  public void audit(AuditKind kind, String detail) {
    audit.fourEyes(kind, detail);
  }
}
