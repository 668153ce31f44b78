package dev.bastion.live;

import dev.bastion.approval.ApprovalGate;
import dev.bastion.approval.Approvals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who watches this node's sessions from anywhere in the fleet, for four-eyes: each node reports its
 * own present watchers of a session, the latest report replaces that node's earlier one (older
 * reports arriving late are ignored by their sequence number), a node that leaves the fleet takes
 * its watchers with it, and the session's approval gate always gets everyone.
 */
final class FleetWatchers {
  private record Report(long seq, List<ApprovalGate.Watcher> watchers) {}

  private final Approvals approvals;
  private final Map<String, Map<String, Report>> bySession = new HashMap<>(); // guarded by this

  FleetWatchers(Approvals approvals) {
    this.approvals = approvals;
  }

  /** {@code node}'s watchers of a session now; may run listeners of the gate (off event loops). */
  synchronized void report(
      String sessionId, String node, long seq, List<ApprovalGate.Watcher> watchers) {
    Map<String, Report> reports = bySession.computeIfAbsent(sessionId, id -> new HashMap<>());
    Report earlier = reports.get(node);
    if (earlier != null && earlier.seq() >= seq) {
      return;
    }
    reports.put(node, new Report(seq, watchers));
    apply(sessionId, reports);
  }

  /** A node left the fleet: its watchers watch no more. */
  synchronized void nodeLeft(String node) {
    bySession.forEach(
        (sessionId, reports) -> {
          if (reports.remove(node) != null) {
            apply(sessionId, reports);
          }
        });
  }

  /** The session ended. */
  synchronized void forget(String sessionId) {
    bySession.remove(sessionId);
  }

  private void apply(String sessionId, Map<String, Report> reports) {
    List<ApprovalGate.Watcher> everyone = new ArrayList<>();
    reports.values().forEach(r -> everyone.addAll(r.watchers()));
    approvals.get(sessionId).ifPresent(gate -> gate.watchers(everyone));
  }
}
