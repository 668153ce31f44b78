package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.cli.CliRun;
import dev.bastion.recorder.Seal;
import dev.bastion.recording.RecordingRetention;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ShiftableClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code recording.retention} on real sessions through the real ssh client: the bastion removes a
 * recording whose session ended longer ago than the retention, with its seal, after an audit row
 * that keeps its digest; {@code recordings verify} and the web viewer tell it apart from a missing
 * one.
 */
class RetentionEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final ShiftableClock clock = new ShiftableClock();
  GatewayFixture gw;
  Process liveSsh;

  @AfterEach
  void stop() throws Exception {
    if (liveSsh != null) {
      liveSsh.destroy();
      liveSsh.waitFor(10, TimeUnit.SECONDS);
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void anExpiredRecordingIsRemovedAuditedAndReportedApartFromAMissingOne(@TempDir Path dir)
      throws Exception {
    Path stream = dir.resolve("audit.jsonl");
    gw =
        GatewayFixture.start(
            dir,
            "",
            "",
            "recording:\n  retention: 1d\naudit:\n  json_lines: " + stream + "\n",
            clock);
    // The bastion's clock moves a day ahead below: a certificate that outlives that day.
    GatewayFixture.issue(
        gw.bastion.cas(), gw.userKey, "alice@example.com", List.of("ops"), Duration.ofDays(3));
    SessionRecord live = startLiveSession();
    SessionRecord old = sealedSession("echo retention-old");
    SessionRecord young = sealedSession("echo retention-young");
    SessionRecord later = sealedSession("echo retention-later");
    assertTrue(young.endedAt().isAfter(old.endedAt()), old.endedAt() + " " + young.endedAt());
    Path oldFile = gw.dataDir.resolve(old.recordingPath());

    // A day later, to the point between the two sessions' ends.
    Duration between = Duration.between(old.endedAt(), young.endedAt()).dividedBy(2);
    clock.stopAt(old.endedAt().plus(Duration.ofDays(1)).plus(between));
    RecordingRetention.Run run = gw.bastion.recordingRetention().orElseThrow().removeExpired();

    assertEquals(new RecordingRetention.Run(1, 0, 0, 0), run);
    assertFalse(Files.exists(oldFile));
    assertFalse(Files.exists(Seal.sealFileOf(oldFile)));
    for (SessionRecord kept : List.of(young, later)) {
      Path file = gw.dataDir.resolve(kept.recordingPath());
      assertTrue(Files.exists(file) && Files.exists(Seal.sealFileOf(file)), kept.command());
    }
    assertTrue(Files.exists(gw.dataDir.resolve(live.recordingPath())), "the live one stays");
    var rows =
        reader().events(null, null, 10_000).stream()
            .filter(e -> e.kind() == AuditKind.RECORDING_REMOVED)
            .toList();
    assertEquals(1, rows.size(), rows.toString());
    assertEquals(old.id(), rows.get(0).sessionId());
    assertEquals("retention", rows.get(0).code());
    assertTrue(rows.get(0).detail().contains("SHA-256 " + old.recordingSha256()), rows.toString());
    // The log shipper gets the same removal, with the digest, from the JSON audit stream.
    JsonNode removal = awaitStreamLine(stream, "recording_removed");
    assertEquals(old.id(), removal.get("session_id").asText());
    assertEquals("retention", removal.get("code").asText());
    assertEquals(rows.get(0).detail(), removal.get("detail").asText());
    Instant removedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    assertEquals(removedAt, reader().session(old.id()).orElseThrow().recordingRemovedAt());

    CliRun verify = CliRun.of(gw.dataDir, "recordings", "verify");
    assertEquals(0, verify.exitCode(), verify.toString());
    String removedLine =
        "removed "
            + old.id()
            + "  (by retention on "
            + removedAt.truncatedTo(ChronoUnit.SECONDS)
            + ", SHA-256 "
            + old.recordingSha256()
            + ")";
    assertTrue(verify.stdout().contains(removedLine), verify.stdout());
    assertTrue(verify.stdout().contains("ok      " + young.id()), verify.stdout());
    assertTrue(verify.stdout().contains("live    " + live.id()), verify.stdout());
    for (String command : List.of("play", "export")) {
      CliRun replay =
          command.equals("play")
              ? CliRun.of(gw.dataDir, "play", old.id())
              : CliRun.of(gw.dataDir, "recordings", "export", old.id());
      assertEquals(1, replay.exitCode(), replay.toString());
      assertTrue(
          replay
              .stderr()
              .contains(
                  "the recording of session "
                      + old.id()
                      + " was removed by retention on "
                      + removedAt.truncatedTo(ChronoUnit.SECONDS)),
          replay.toString());
    }

    WebClient web = new WebClient(gw, gw.userKey);
    var gone = web.get("/api/recordings/" + old.id() + ".cast");
    assertEquals(410, gone.statusCode(), gone.body());
    assertEquals(
        "recording removed by retention policy on " + removedAt.truncatedTo(ChronoUnit.SECONDS),
        JSON.readTree(gone.body()).get("error").asText());
    assertEquals(410, web.get("/api/recordings/" + old.id() + ".cast.seal").statusCode());
    assertEquals(200, web.get("/api/recordings/" + young.id() + ".cast").statusCode());
    JsonNode listed = listed(web, old.id());
    assertEquals(removedAt.toString(), listed.get("recording_removed_at").asText());
    assertTrue(listed(web, young.id()).get("recording_removed_at").isNull());
    assertTrue(web.get("/api/audit").body().contains("\"kind\":\"recording_removed\""));
    int replayable = 0;
    for (JsonNode s : JSON.readTree(web.get("/api/recordings").body())) {
      replayable += s.get("recording_removed_at").isNull() ? 1 : 0;
    }
    assertTrue(replayable >= 2, "young and later are listed");
    shownRemovedInTheBrowser(dir, old.id(), replayable);

    // Gone by hand, without a removal row: still a failure, named as missing.
    Files.delete(gw.dataDir.resolve(later.recordingPath()));
    CliRun again = CliRun.of(gw.dataDir, "recordings", "verify");
    assertEquals(1, again.exitCode(), again.toString());
    assertTrue(again.stdout().contains("FAILED  " + later.id()), again.stdout());
    assertTrue(again.stdout().contains("recording is missing"), again.stdout());
    assertTrue(again.stdout().contains(removedLine), again.stdout());
  }

  /** The recordings page marks it removed instead of a replay link; its replay page says so. */
  private void shownRemovedInTheBrowser(Path dir, String id, int replayable) throws Exception {
    WebDriver browser = HeadlessChromium.start(dir);
    try {
      WebDriverWait wait = HeadlessChromium.logIn(browser, gw, gw.userKey, "alice@example.com");
      browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/recordings");
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.cssSelector("#recordings td.removed"), "removed by retention on "));
      assertEquals(1, browser.findElements(By.cssSelector("#recordings td.removed")).size());
      assertEquals(replayable, browser.findElements(By.linkText("Replay")).size());
      HeadlessChromium.screenshot(browser, "retention-recordings");
      browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/recordings/" + id);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("status"), "The recording was removed by retention on "));
      assertFalse(browser.findElement(By.id("download-cast")).isDisplayed());
      HeadlessChromium.screenshot(browser, "retention-replay");
    } finally {
      browser.quit();
    }
  }

  private static JsonNode listed(WebClient web, String id) throws Exception {
    for (JsonNode s : JSON.readTree(web.get("/api/recordings").body())) {
      if (s.get("id").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("session " + id + " is not listed");
  }

  /** A shell command still running through the bastion: its session is live. */
  private SessionRecord startLiveSession() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.add(gw.onTarget() + "@127.0.0.1");
    cmd.add("echo live-ready; cat");
    liveSsh = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(liveSsh.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("live-ready", out.readLine());
    return await(s -> "echo live-ready; cat".equals(s.command()) && "live".equals(s.state()));
  }

  private SessionRecord sealedSession(String command) throws Exception {
    CommandResult result = gw.ssh(gw.onTarget(), null, command);
    assertEquals(0, result.exitCode(), result.toString());
    return await(s -> command.equals(s.command()) && s.recordingSha256() != null);
  }

  private SessionRecord await(Predicate<SessionRecord> match) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      var found = reader().sessions(false, 100).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no session matched: " + reader().sessions(false, 10));
  }

  private AuditReader reader() {
    return new AuditReader(gw.bastion.database());
  }

  /**
   * The first line of the JSON audit stream of {@code kind}; the stream is written after the row.
   */
  private static JsonNode awaitStreamLine(Path stream, String kind) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Files.exists(stream)) {
        for (String line : Files.readAllLines(stream)) {
          JsonNode node = JSON.readTree(line);
          if (kind.equals(node.get("kind").asText())) {
            return node;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + kind + " line in " + stream);
  }
}
