package dev.bastion.cluster;

import dev.bastion.audit.AuditLog;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the fleet does about sessions whose node died. When a node leaves the fleet, the oldest
 * surviving node marks that node's live sessions {@code interrupted}. A node that starts marks the
 * live sessions that cannot be running any more: its own (its previous process died), those without
 * a node (from before nodes were recorded) and those of nodes that are not in the fleet now; the
 * live sessions of the other members are theirs and left alone. Alone, every live session is this
 * node's. Recordings are never sealed while their node might still write them: a node seals at
 * start the unsealed recordings of interrupted sessions of the same nodes, its own or absent ones.
 */
public final class DeadNodes {
  private static final Logger LOG = LoggerFactory.getLogger(DeadNodes.class);

  private final Fleet fleet;
  private final AuditLog audit;
  private final Clock clock;

  public DeadNodes(Fleet fleet, AuditLog audit, Clock clock) {
    this.fleet = fleet;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * At start, after joining: marks the live sessions of this node and of absent nodes interrupted,
   * and returns the interrupted sessions of those nodes whose recordings are still to be sealed.
   * Blocks on the database.
   */
  public List<AuditLog.Interrupted> atStart() {
    List<AuditLog.Interrupted> marked =
        audit.markInterrupted(clock.instant(), this::gone, this::whyAtStart).join();
    if (!marked.isEmpty()) {
      LOG.warn(
          "{} sessions were left open by a node that stopped; marked interrupted", marked.size());
    }
    return audit.unsealedInterrupted(this::gone).join();
  }

  /**
   * From now on, when a node leaves the fleet, the oldest remaining node marks its live sessions
   * interrupted (on the audit writer's thread, not Hazelcast's).
   */
  public DeadNodes watch() {
    fleet.onNodeLeft(this::left);
    return this;
  }

  private void left(String name) {
    if (!fleet.oldest()) {
      return;
    }
    audit
        .markInterrupted(
            clock.instant(),
            // Not if it came back meanwhile: then it marked its old sessions itself at its start.
            node -> name.equals(node) && !fleet.members().contains(name),
            node ->
                "node "
                    + name
                    + " left the fleet without ending the session; marked interrupted by node "
                    + fleet.node())
        .whenComplete(
            (marked, failure) -> {
              if (failure != null) {
                LOG.error(
                    "cannot mark the sessions of node {} interrupted (done when a node next"
                        + " starts): {}",
                    name,
                    failure.getMessage());
              } else if (!marked.isEmpty()) {
                LOG.warn(
                    "node {} left the fleet; marked its {} live sessions interrupted",
                    name,
                    marked.size());
              }
            });
  }

  /** This node's own sessions, those from before nodes were recorded, and those of absent nodes. */
  private boolean gone(String node) {
    return node == null || node.equals(fleet.node()) || !fleet.members().contains(node);
  }

  private String whyAtStart(String node) {
    if (!fleet.clustered()) {
      return AuditLog.STOPPED;
    }
    if (node == null) {
      return AuditLog.STOPPED + "; marked interrupted by node " + fleet.node() + " at its start";
    }
    if (node.equals(fleet.node())) {
      return "node " + node + " stopped without ending the session";
    }
    return "node "
        + node
        + " left the fleet without ending the session; marked interrupted by node "
        + fleet.node()
        + " at its start";
  }
}
