package dev.bastion.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.approval.ApprovalGate.State;
import dev.bastion.approval.ApprovalGate.Watcher;
import dev.bastion.config.BastionConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApprovalGateTest {
  static final Watcher ALICE_AS_APPROVER = new Watcher("alice@example.com", Set.of("dba", "lead"));
  static final Watcher BOB = new Watcher("bob@example.com", Set.of("lead"));
  static final Watcher CAROL = new Watcher("carol@example.com", Set.of("security"));
  static final Watcher DAVE_WITHOUT_ROLE = new Watcher("dave@example.com", Set.of("dba"));

  final List<String> events = new ArrayList<>();

  ApprovalGate gate(int count, BastionConfig.OnLeave onLeave) {
    BastionConfig.Approval policy =
        new BastionConfig.Approval(
            count, List.of("lead", "security"), onLeave, Duration.ofMinutes(10));
    return new ApprovalGate(
        policy,
        "alice@example.com",
        Instant.EPOCH,
        new ApprovalGate.Listener() {
          @Override
          public void approved(List<String> approvers) {
            events.add("approved " + approvers);
          }

          @Override
          public void paused(List<String> remaining) {
            events.add("paused " + remaining);
          }

          @Override
          public void resumed(List<String> approvers) {
            events.add("resumed " + approvers);
          }

          @Override
          public void approverLeft(List<String> remaining) {
            events.add("ended " + remaining);
          }

          @Override
          public void declined(String by, String reason) {
            events.add("declined by " + by + ": " + reason);
          }

          @Override
          public void expired() {
            events.add("expired");
          }
        });
  }

  @Test
  void theRequesterNeverCountsAsTheirOwnApproverWhateverTheirRoles() {
    ApprovalGate gate = gate(1, BastionConfig.OnLeave.PAUSE);
    gate.watchers(List.of(ALICE_AS_APPROVER, DAVE_WITHOUT_ROLE));
    assertEquals(State.WAITING, gate.state());
    assertEquals(List.of(), gate.approvers());
    assertEquals(List.of(), events);
    assertFalse(gate.inputAllowed());
  }

  @Test
  void theSessionStartsOnlyOnceEnoughDistinctApproversWatch() {
    ApprovalGate gate = gate(2, BastionConfig.OnLeave.PAUSE);
    gate.watchers(List.of(BOB, BOB, ALICE_AS_APPROVER));
    assertEquals(State.WAITING, gate.state(), "two tabs of one approver are one approver");
    gate.watchers(List.of(BOB, CAROL));
    assertEquals(State.OPEN, gate.state());
    assertEquals(List.of("approved [bob@example.com, carol@example.com]"), events);
    assertTrue(gate.inputAllowed());
  }

  @Test
  void onLeavePauseHoldsInputUntilAnApproverIsBack() {
    ApprovalGate gate = gate(1, BastionConfig.OnLeave.PAUSE);
    gate.watchers(List.of(BOB));
    gate.watchers(List.of(ALICE_AS_APPROVER));
    assertEquals(State.PAUSED, gate.state());
    assertFalse(gate.inputAllowed());
    List<String> held = new ArrayList<>();
    gate.whenOpen(() -> held.add("input released"));
    assertEquals(List.of(), held, "input went on while paused");
    gate.watchers(List.of(CAROL));
    assertEquals(List.of("input released"), held);
    assertEquals(
        List.of("approved [bob@example.com]", "paused []", "resumed [carol@example.com]"), events);
  }

  @Test
  void onLeaveTerminateEndsTheSessionForGood() {
    ApprovalGate gate = gate(1, BastionConfig.OnLeave.TERMINATE);
    gate.watchers(List.of(BOB));
    gate.watchers(List.of());
    gate.watchers(List.of(BOB));
    assertEquals(State.CLOSED, gate.state());
    assertEquals(List.of("approved [bob@example.com]", "ended []"), events);
  }

  @Test
  void declineTimeoutAndCancelOnlyEndARequestThatIsStillWaiting() {
    ApprovalGate waiting = gate(1, BastionConfig.OnLeave.PAUSE);
    assertTrue(waiting.decline("bob@example.com", "not now"));
    waiting.timeout();
    assertFalse(waiting.cancel());
    waiting.watchers(List.of(BOB));
    assertEquals(List.of("declined by bob@example.com: not now"), events);

    events.clear();
    ApprovalGate approved = gate(1, BastionConfig.OnLeave.PAUSE);
    approved.watchers(List.of(BOB));
    approved.timeout();
    assertFalse(approved.decline("carol@example.com", "too late"));
    assertFalse(approved.cancel());
    assertEquals(State.OPEN, approved.state());
    assertEquals(List.of("approved [bob@example.com]"), events);

    events.clear();
    ApprovalGate expiring = gate(1, BastionConfig.OnLeave.PAUSE);
    expiring.timeout();
    expiring.watchers(List.of(BOB));
    assertEquals(List.of("expired"), events);
  }
}
