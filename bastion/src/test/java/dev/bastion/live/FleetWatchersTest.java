package dev.bastion.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bastion.approval.ApprovalGate;
import dev.bastion.approval.Approvals;
import dev.bastion.config.BastionConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Approvers watching from several nodes add up; a node's latest report and departure count. */
class FleetWatchersTest {
  final List<String> told = new CopyOnWriteArrayList<>();
  final Approvals approvals = new Approvals(5);
  final FleetWatchers watchers = new FleetWatchers(approvals);

  FleetWatchersTest() {
    ApprovalGate gate =
        new ApprovalGate(
            new BastionConfig.Approval(
                2, List.of("approver"), BastionConfig.OnLeave.PAUSE, Duration.ofMinutes(1)),
            "alice@example.com",
            Instant.EPOCH,
            new ApprovalGate.Listener() {
              @Override
              public void approved(List<String> approvers) {
                told.add("approved by " + approvers);
              }

              @Override
              public void paused(List<String> remaining) {
                told.add("paused with " + remaining);
              }

              @Override
              public void resumed(List<String> approvers) {
                told.add("resumed by " + approvers);
              }

              @Override
              public void approverLeft(List<String> remaining) {
                told.add("approver left");
              }

              @Override
              public void declined(String by, String reason) {}

              @Override
              public void expired() {}
            });
    approvals.add("s1", gate);
  }

  static List<ApprovalGate.Watcher> approver(String identity) {
    return List.of(new ApprovalGate.Watcher(identity, Set.of("approver")));
  }

  @Test
  void approversOnTwoNodesAddUpAndANodeThatLeavesTakesItsOwnAlong() {
    watchers.report("s1", "node-a", 1, approver("bob@example.com"));
    assertEquals(List.of(), told, "one approver of two is not enough");
    watchers.report("s1", "node-b", 1, approver("dave@example.com"));
    assertEquals(List.of("approved by [bob@example.com, dave@example.com]"), told);
    watchers.nodeLeft("node-b");
    assertEquals("paused with [bob@example.com]", told.get(1));
  }

  @Test
  void aNodesLatestReportReplacesItsEarlierOneAndALateOlderOneIsIgnored() {
    watchers.report("s1", "node-a", 5, approver("bob@example.com"));
    watchers.report("s1", "node-b", 1, approver("dave@example.com"));
    watchers.report("s1", "node-b", 2, List.of());
    watchers.report("s1", "node-b", 1, approver("dave@example.com")); // arrived late: stale
    assertEquals(
        List.of("approved by [bob@example.com, dave@example.com]", "paused with [bob@example.com]"),
        told);
  }
}
