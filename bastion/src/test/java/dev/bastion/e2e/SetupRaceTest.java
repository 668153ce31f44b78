package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.proxy.ProxiedSession;
import dev.bastion.proxy.SessionState;
import dev.bastion.proxy.SetupHold;
import dev.bastion.recorder.RecordingCheck;
import dev.bastion.recorder.RecordingKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An engineer who leaves while their session is being set up, at every asynchronous step: the real
 * ssh is killed while the step's result is held, then the step completes. Whatever the step, the
 * session's audit rows come in order (started, then ended), its recording is sealed (or was never
 * created), and nothing stays open: no live session, no live feed.
 */
class SetupRaceTest {
  @TempDir Path dir;

  /** Holds one step of the first session that reaches it, until the test lets it go. */
  static final class HoldOneStep implements SetupHold {
    final Step step;
    final CompletableFuture<String> reached = new CompletableFuture<>();
    final CompletableFuture<Void> release = new CompletableFuture<>();

    HoldOneStep(Step step) {
      this.step = step;
    }

    @Override
    public CompletionStage<Void> release(Step at, String sessionId) {
      if (at != step || !reached.complete(sessionId)) {
        return CompletableFuture.completedFuture(null);
      }
      return release;
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = SetupHold.Step.class,
      mode = EnumSource.Mode.EXCLUDE,
      names = "EXIT_STATUS") // not setup: the session has ended by then
  void engineerLeavingDuringSetupLeavesOrderedAuditRowsASealedRecordingAndNothingOpen(
      SetupHold.Step step) throws Exception {
    HoldOneStep hold = new HoldOneStep(step);
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "", hold)) {
      List<String> cmd = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
      cmd.addAll(gw.sshOptions(gw.userKey));
      cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo started; sleep 60"));
      Process ssh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String id = hold.reached.get(30, TimeUnit.SECONDS);

      ssh.destroyForcibly();
      assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
      awaitClientGoneSeen(gw, id);
      hold.release.complete(null);

      AuditReader reader = new AuditReader(gw.bastion.database());
      List<AuditEvent> story = awaitEnded(reader, id);
      assertEquals(
          List.of(AuditKind.SESSION_STARTED, AuditKind.SESSION_ENDED),
          story.stream().map(AuditEvent::kind).toList(),
          story.toString());
      assertEquals("disconnected", story.get(1).code(), story.toString());
      assertTrue(story.get(1).detail().startsWith("client disconnected"), story.toString());

      SessionRecord row = reader.session(id).orElseThrow();
      assertEquals(SessionRecord.ENDED, row.state());
      Path cast = gw.dataDir.resolve(row.recordingPath());
      if (step == SetupHold.Step.SESSION_ROW) {
        assertFalse(Files.exists(cast), "a recording was created for a session that had ended");
      } else {
        SessionRecord sealed = awaitSealed(reader, id);
        RecordingCheck.Result check =
            RecordingCheck.check(
                id,
                cast,
                RecordingKey.loadOrCreate(gw.bastion.cas().directory()).getPublic(),
                sealed.recordingSha256());
        assertTrue(check.ok(), check.problem());
      }
      // The ended row is written before the session leaves the live list and closes its feed.
      for (int i = 0; i < 200 && gw.bastion.liveSessions().get(id).isPresent(); i++) {
        Thread.sleep(50);
      }
      assertTrue(gw.bastion.liveSessions().get(id).isEmpty(), "the session stayed live");
      assertFalse(gw.bastion.recorder().hub().isLive(id), "the live feed was left open");
      if (step == SetupHold.Step.SESSION_ROW || step == SetupHold.Step.RECORDING_START) {
        assertFalse(
            gw.target.log().contains("via bastion session " + id),
            "the bastion logged in to the target for a session whose engineer had left");
      }
    }
  }

  /**
   * A shutdown waits for the last session to end, then stops the SSH server; it must also wait for
   * that session's exit status to reach the engineer, or the client exits 255 on a cut connection
   * (ShutdownGraceTest met this in CI). Held with the session ended and its exit status not sent.
   */
  @Test
  void aShutdownWaitsUntilTheEngineerHasTheLastSessionsExitStatus() throws Exception {
    HoldOneStep hold = new HoldOneStep(SetupHold.Step.EXIT_STATUS);
    try (GatewayFixture gw = GatewayFixture.start(dir, "", "", hold)) {
      List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
      cmd.addAll(gw.sshOptions(gw.userKey));
      cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "exit 3"));
      Process ssh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String id = hold.reached.get(30, TimeUnit.SECONDS);

      assertTrue(gw.bastion.liveSessions().get(id).isEmpty(), "the session has ended");
      assertFalse(
          gw.bastion.liveSessions().awaitNone(Duration.ZERO, () -> false),
          "a shutdown would stop the SSH server before the exit status is sent");
      hold.release.complete(null);

      assertTrue(ssh.waitFor(30, TimeUnit.SECONDS));
      assertEquals(3, ssh.exitValue(), new String(ssh.getInputStream().readAllBytes()));
      assertTrue(gw.bastion.liveSessions().awaitNone(Duration.ofSeconds(30), () -> false));
    }
  }

  /** The session has handled the engineer's leaving (ended, or ending once its row exists). */
  private static void awaitClientGoneSeen(GatewayFixture gw, String id)
      throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      Optional<ProxiedSession> session = gw.bastion.liveSessions().get(id);
      if (session.isEmpty()
          || session.get().state() == SessionState.ENDING
          || session.get().state() == SessionState.ENDED) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("session " + id + " never saw its engineer leave");
  }

  private static List<AuditEvent> awaitEnded(AuditReader reader, String id)
      throws InterruptedException {
    List<AuditEvent> story = List.of();
    for (int i = 0; i < 200; i++) {
      story =
          reader.events(null, null, 5000).stream().filter(e -> id.equals(e.sessionId())).toList();
      if (story.stream().anyMatch(e -> e.kind() == AuditKind.SESSION_ENDED)) {
        return story;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no session_ended for " + id + ": " + story);
  }

  private static SessionRecord awaitSealed(AuditReader reader, String id)
      throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      Optional<SessionRecord> row = reader.session(id);
      if (row.isPresent() && row.get().recordingSha256() != null) {
        return row.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the recording of " + id + " was never sealed");
  }
}
