package dev.bastion.approval;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The approval gates of sessions that need approvers, by session id. */
public final class Approvals {
  private final ConcurrentHashMap<String, ApprovalGate> gates = new ConcurrentHashMap<>();

  public void add(String sessionId, ApprovalGate gate) {
    gates.put(sessionId, gate);
  }

  public void remove(String sessionId) {
    gates.remove(sessionId);
  }

  public Optional<ApprovalGate> get(String sessionId) {
    return Optional.ofNullable(gates.get(sessionId));
  }
}
