package dev.bastion.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.RecordingRemovals;
import dev.bastion.audit.SessionRecord;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.recorder.Seal;
import dev.bastion.testsupport.ShiftableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real audit database and real files, with the clock in the test's hands; the same
 * through real ssh sessions, {@code recordings verify} and the web viewer is in {@code
 * RetentionEndToEndTest}.
 */
class RecordingRetentionTest {
  static final Instant T0 = Instant.parse("2026-01-10T12:00:00Z");
  static final Duration KEEP = Duration.ofDays(30);

  @TempDir Path dataDir;
  AuditDatabase database;
  AuditLog audit;
  AuditReader reader;
  final ShiftableClock clock = new ShiftableClock();

  @BeforeEach
  void open() {
    database = AuditDatabase.open(dataDir);
    audit = new AuditLog(database);
    reader = new AuditReader(database);
    clock.stopAt(T0.plus(KEEP).plus(Duration.ofDays(2)));
  }

  @AfterEach
  void close() {
    audit.close();
    database.close();
  }

  RecordingRetention retention(int batch) {
    return retention(batch, () -> true);
  }

  RecordingRetention retention(int batch, BooleanSupplier actsForFleet) {
    return new RecordingRetention(
        RecordingStore.inDataDir(dataDir),
        KEEP,
        new RecordingRemovals(database, audit),
        clock,
        batch,
        actsForFleet);
  }

  @Test
  void onlyTheNodeThatActsForTheFleetRemovesAtItsScheduledRuns() throws Exception {
    String old = ended(T0, T0.plusSeconds(60));
    Path oldFile = fileOf(old);
    boolean[] oldest = {false};

    RecordingRetention retention = retention(100, () -> oldest[0]);

    assertTrue(retention.scheduledRun().isEmpty(), "another node acts for the fleet");
    assertTrue(Files.exists(oldFile));
    assertTrue(removalRows().isEmpty());
    oldest[0] = true; // the oldest node left: this one acts for the fleet now
    assertEquals(new RecordingRetention.Run(1, 0, 0, 0), retention.scheduledRun().orElseThrow());
    assertFalse(Files.exists(oldFile));
  }

  @Test
  void anExpiredRecordingIsRemovedWithItsSealAfterARowThatKeepsItsDigest() throws Exception {
    String old = ended(T0, T0.plusSeconds(60));
    String young = ended(T0.plus(Duration.ofDays(20)), T0.plus(Duration.ofDays(20)));
    String live = started(T0.minus(Duration.ofDays(1)));
    Path oldFile = fileOf(old);
    String sealedDigest = reader.session(old).orElseThrow().recordingSha256();
    long size = Files.size(oldFile);

    RecordingRetention.Run run = retention(100).removeExpired();

    assertEquals(new RecordingRetention.Run(1, 0, 0, 0), run);
    assertFalse(Files.exists(oldFile));
    assertFalse(Files.exists(Seal.sealFileOf(oldFile)));
    assertFalse(Files.exists(oldFile.getParent()), "its empty day directory is removed");
    assertTrue(Files.exists(fileOf(young)) && Files.exists(Seal.sealFileOf(fileOf(young))));
    assertTrue(Files.exists(fileOf(live)));
    AuditEvent row = removalRows().get(0);
    assertEquals(old, row.sessionId());
    assertEquals("retention", row.code());
    assertEquals("alice@example.com", row.identity());
    assertTrue(
        row.detail().contains(size + " bytes, SHA-256 " + sealedDigest + " (as sealed)"),
        row.detail());
    assertTrue(row.detail().startsWith(reader.session(old).get().recordingPath()), row.detail());
    assertEquals(clock.instant(), reader.session(old).get().recordingRemovedAt());
    assertNull(reader.session(young).get().recordingRemovedAt());
    assertNull(reader.session(live).get().recordingRemovedAt());

    assertEquals(new RecordingRetention.Run(0, 0, 0, 0), retention(100).removeExpired());
    assertEquals(1, removalRows().size(), "a second run writes no second row");
  }

  @Test
  void aRecordingThatCannotBeDeletedIsRetriedAtTheNextRunWithoutASecondRow() throws Exception {
    String old = ended(T0, T0);
    Path file = fileOf(old);
    // A non-empty directory in the recording's place: deleting it fails, even as root.
    Files.delete(file);
    Files.createDirectories(file);
    Path obstacle = Files.writeString(file.resolve("obstacle"), "x");

    assertEquals(new RecordingRetention.Run(0, 0, 1, 0), retention(100).removeExpired());
    assertEquals(1, removalRows().size(), "the row comes first, before the files go");
    assertEquals(clock.instant(), reader.session(old).get().recordingRemovedAt());
    assertTrue(Files.exists(Seal.sealFileOf(file)));

    assertEquals(new RecordingRetention.Run(0, 0, 1, 0), retention(100).removeExpired());
    Files.delete(obstacle);
    assertEquals(new RecordingRetention.Run(0, 1, 0, 0), retention(100).removeExpired());

    assertEquals(1, removalRows().size());
    assertFalse(Files.exists(file));
    assertFalse(Files.exists(Seal.sealFileOf(file)));
    assertEquals(new RecordingRetention.Run(0, 0, 0, 0), retention(100).removeExpired());
  }

  @Test
  void aRecordingAlreadyMissingIsNotRecordedAsRemovedAndHoldsUpNoOther() throws Exception {
    String gone = ended(T0, T0);
    String old = ended(T0.plusSeconds(1), T0.plusSeconds(1));
    Files.delete(fileOf(gone));

    assertEquals(new RecordingRetention.Run(1, 0, 0, 1), retention(1).removeExpired());

    assertNull(reader.session(gone).get().recordingRemovedAt());
    assertEquals(List.of(old), removalRows().stream().map(AuditEvent::sessionId).toList());
  }

  @Test
  void aRunRemovesAtMostItsBatchAndTheNextRunTakesTheRest() throws Exception {
    ended(T0, T0);
    ended(T0.plusSeconds(1), T0.plusSeconds(1));
    ended(T0.plusSeconds(2), T0.plusSeconds(2));

    assertEquals(2, retention(2).removeExpired().removed());
    assertEquals(1, retention(2).removeExpired().removed());
    assertEquals(3, removalRows().size());
  }

  @Test
  void aPathOutsideTheRecordingsDirectoryIsNeverTouched() throws Exception {
    Path outside = Files.writeString(dataDir.resolve("precious.cast"), "keep me");
    for (String path : List.of("precious.cast", "recordings/../precious.cast")) {
      String id = id();
      audit.sessionStarted(session(id, T0, path)).join();
      audit.sessionEnded(id, T0, 0, null, 0, 0, "exit").join();
      audit.recordingSealed(id, 7, "0".repeat(64)).join();
    }

    assertEquals(new RecordingRetention.Run(0, 0, 0, 2), retention(100).removeExpired());

    assertTrue(Files.exists(outside));
    assertTrue(removalRows().isEmpty());
  }

  @Test
  void anUnsealedRecordingIsRemovedWithTheDigestOfItsBytes() throws Exception {
    String id = id();
    Path file = recordingFile(id, T0);
    audit.sessionStarted(session(id, T0, dataDir.relativize(file).toString())).join();
    audit.sessionEnded(id, T0, 0, null, 0, 0, "exit").join();
    String digest = RecordingStore.sha256(file);

    assertEquals(1, retention(100).removeExpired().removed());

    assertTrue(
        removalRows().get(0).detail().contains(digest + " (computed at removal"),
        removalRows().get(0).detail());
    assertEquals(digest, reader.session(id).get().recordingSha256());
  }

  @Test
  void startedRetentionRemovesAtOnceInTheBackground() throws Exception {
    String old = ended(T0, T0);
    try (RecordingRetention running = retention(100).start()) {
      for (int i = 0; i < 200 && removalRows().isEmpty(); i++) {
        Thread.sleep(50);
      }
    }
    assertEquals(List.of(old), removalRows().stream().map(AuditEvent::sessionId).toList());
    assertFalse(Files.exists(dataDir.resolve(reader.session(old).get().recordingPath())));
  }

  List<AuditEvent> removalRows() {
    return reader.events(null, null, 1000).stream()
        .filter(e -> e.kind() == AuditKind.RECORDING_REMOVED)
        .toList();
  }

  Path fileOf(String id) {
    return dataDir.resolve(reader.session(id).orElseThrow().recordingPath());
  }

  /** A session that started and ended, its recording sealed (a seal file beside, digest in DB). */
  String ended(Instant start, Instant end) throws Exception {
    String id = started(start);
    Path file = fileOf(id);
    Files.writeString(Seal.sealFileOf(file), "{\"seal\": \"of " + id + "\"}");
    audit.sessionEnded(id, end, 0, null, 0, 0, "exit").join();
    audit.recordingSealed(id, Files.size(file), RecordingStore.sha256(file)).join();
    return id;
  }

  String started(Instant start) throws Exception {
    String id = id();
    Path file = recordingFile(id, start);
    audit.sessionStarted(session(id, start, dataDir.relativize(file).toString())).join();
    return id;
  }

  Path recordingFile(String id, Instant start) throws Exception {
    Path file = RecordingStore.inDataDir(dataDir).pathFor(id, start, RecordingFormat.PLAIN);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, "{\"version\": 2}\n[0.1, \"o\", \"session " + id + "\"]\n");
  }

  static SessionRecord session(String id, Instant start, String recordingPath) {
    return new SessionRecord(
        id,
        "alice@example.com",
        List.of("ops"),
        "web01",
        "deploy",
        "exec",
        "uptime",
        "127.0.0.1",
        start,
        null,
        SessionRecord.LIVE,
        null,
        null,
        0,
        0,
        null,
        recordingPath,
        null,
        null,
        "node-a");
  }

  static String id() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
