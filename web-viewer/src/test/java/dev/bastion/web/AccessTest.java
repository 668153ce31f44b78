package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who may do what in the web viewer: one test per decision, the rules as users meet them. */
class AccessTest {
  static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

  static WebUser user(String identity, Set<String> roles, WebRight... rights) {
    return new WebUser(identity, "1", roles, Set.of(rights), NOW.plusSeconds(3600));
  }

  static SessionView session(String identity, String state, SessionView.Approval approval) {
    return new SessionView(
        "0123456789abcdef0123456789abcdef",
        identity,
        "web01",
        "deploy",
        "shell",
        null,
        NOW,
        "live".equals(state) ? null : NOW.plusSeconds(60),
        state,
        null,
        null,
        true,
        0,
        approval,
        null,
        null,
        "node-a");
  }

  static SessionView.Approval waitingFor(String... roles) {
    return new SessionView.Approval("waiting", 1, List.of(roles), List.of(), NOW);
  }

  final WebUser alice = user("alice", Set.of("ops"));
  final SessionView aliceLive = session("alice", "live", null);
  final SessionView aliceEnded = session("alice", "ended", null);
  final SessionView bobLive = session("bob", "live", null);
  final SessionView bobEnded = session("bob", "ended", null);
  final SessionView bobAsksLeads = session("bob", "live", waitingFor("lead"));

  @Test
  void everyoneSeesWatchesAndReplaysTheirOwnSessionsWithoutRights() {
    assertTrue(Access.maySee(alice, aliceLive));
    assertTrue(Access.maySee(alice, aliceEnded));
    assertTrue(Access.mayReplay(alice, aliceEnded));
  }

  @Test
  void withoutRightsOtherPeoplesSessionsAreHidden() {
    assertFalse(Access.maySee(alice, bobLive));
    assertFalse(Access.maySee(alice, bobEnded));
    assertFalse(Access.mayReplay(alice, bobEnded));
  }

  @Test
  void shadowSeesAndWatchesOtherPeoplesLiveSessionsAndSeesEndedOnesButDoesNotReplay() {
    WebUser shadow = user("carol", Set.of(), WebRight.SHADOW);
    assertTrue(Access.maySee(shadow, bobLive));
    assertTrue(Access.maySee(shadow, bobEnded));
    assertFalse(Access.mayReplay(shadow, bobEnded));
  }

  @Test
  void replaySeesAndReplaysEndedSessionsButDoesNotWatchLiveOnes() {
    WebUser replay = user("carol", Set.of(), WebRight.REPLAY);
    assertTrue(Access.maySee(replay, bobEnded));
    assertTrue(Access.mayReplay(replay, bobEnded));
    assertFalse(Access.maySee(replay, bobLive));
  }

  @Test
  void everyoneMayEndTheirOwnSessionAndTerminateEndsOtherPeoples() {
    assertTrue(Access.mayTerminate(alice, aliceLive));
    assertFalse(Access.mayTerminate(user("carol", Set.of(), WebRight.SHADOW), bobLive));
    assertTrue(Access.mayTerminate(user("carol", Set.of(), WebRight.TERMINATE), bobLive));
  }

  @Test
  void onlyAuditReadsTheAuditLog() {
    assertFalse(Access.mayReadAudit(user("carol", Set.of(), WebRight.SHADOW, WebRight.REPLAY)));
    assertTrue(Access.mayReadAudit(user("carol", Set.of(), WebRight.AUDIT)));
  }

  @Test
  void approversSeeWatchEndAndDeclineWhatTheyApproveWithoutOtherRights() {
    WebUser lead = user("dave", Set.of("lead"), WebRight.APPROVE);
    assertTrue(Access.approves(lead, bobAsksLeads));
    assertTrue(Access.maySee(lead, bobAsksLeads));
    assertTrue(Access.mayTerminate(lead, bobAsksLeads));
    assertTrue(Access.mayDecline(lead, bobAsksLeads));
  }

  @Test
  void holdersOfOtherRolesAreNoApprovers() {
    WebUser other = user("erin", Set.of("ops"), WebRight.APPROVE);
    assertFalse(Access.approves(other, bobAsksLeads));
    assertFalse(Access.maySee(other, bobAsksLeads));
    assertFalse(Access.mayDecline(other, bobAsksLeads));
    assertFalse(Access.mayTerminate(other, bobAsksLeads));
  }

  @Test
  void theRequesterNeverApprovesOrDeclinesTheirOwnSession() {
    WebUser bob = user("bob", Set.of("lead"), WebRight.APPROVE);
    assertFalse(Access.approves(bob, bobAsksLeads));
    assertFalse(Access.mayDecline(bob, bobAsksLeads));
    assertTrue(Access.maySee(bob, bobAsksLeads), "but it is still their own session");
  }

  @Test
  void approversSeeTheEndedSessionOnlyWithRights() {
    WebUser lead = user("dave", Set.of("lead"), WebRight.APPROVE);
    SessionView ended = session("bob", "ended", waitingFor("lead"));
    assertFalse(Access.maySee(lead, ended));
    assertFalse(Access.mayReplay(lead, ended));
  }

  @Test
  void sessionsWithoutFourEyesHaveNoApprovers() {
    WebUser lead = user("dave", Set.of("lead"), WebRight.APPROVE);
    assertFalse(Access.approves(lead, bobLive));
    assertFalse(Access.mayDecline(lead, bobLive));
  }
}
