package dev.bastion.approval;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The approval gates of sessions that need approvers, by session id; at most {@code
 * pendingPerRequester} of one person's requests wait at a time.
 */
public final class Approvals {
  private final ConcurrentHashMap<String, ApprovalGate> gates = new ConcurrentHashMap<>();
  private final int pendingPerRequester;

  public Approvals(int pendingPerRequester) {
    this.pendingPerRequester = pendingPerRequester;
  }

  /** Registers a request, or says why not: its requester already has as many waiting as allowed. */
  public synchronized Optional<String> add(String sessionId, ApprovalGate gate) {
    long waiting =
        gates.values().stream()
            .filter(g -> g.requester().equals(gate.requester()))
            .filter(g -> g.state() == ApprovalGate.State.WAITING)
            .count();
    if (waiting >= pendingPerRequester) {
      return Optional.of(
          "you have "
              + waiting
              + " approval request(s) waiting, the limit per person"
              + " (ssh.max_pending_approvals_per_identity: "
              + pendingPerRequester
              + "); wait for one or cancel it");
    }
    gates.put(sessionId, gate);
    return Optional.empty();
  }

  /** Requests waiting for an approver right now. */
  public long pending() {
    return gates.values().stream().filter(g -> g.state() == ApprovalGate.State.WAITING).count();
  }

  public void remove(String sessionId) {
    gates.remove(sessionId);
  }

  public Optional<ApprovalGate> get(String sessionId) {
    return Optional.ofNullable(gates.get(sessionId));
  }
}
