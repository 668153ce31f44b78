package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveHubTest {
  @TempDir Path dir;

  /** A viewer that takes everything at once. */
  static final class Collecting implements Viewer {
    final List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch closed = new CountDownLatch(1);
    volatile String reason;

    @Override
    public void send(byte[] line) {
      received.add(line); // decoded only when a test reads it: a viewer must be cheap
    }

    List<String> lines() {
      return received.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Override
    public boolean saturated() {
      return false;
    }

    @Override
    public void onDrain(Runnable ready) {
      ready.run();
    }

    @Override
    public void close(String why) {
      reason = why;
      closed.countDown();
    }
  }

  /** A viewer whose connection never drains, like a browser tab that stopped reading. */
  static final class Stuck implements Viewer {
    final CountDownLatch closed = new CountDownLatch(1);
    volatile String reason;

    @Override
    public void send(byte[] line) {}

    @Override
    public boolean saturated() {
      return true;
    }

    @Override
    public void onDrain(Runnable ready) {}

    @Override
    public void close(String why) {
      reason = why;
      closed.countDown();
    }
  }

  @Test
  void hundredViewersOneStuckTheOthersGetEverythingAndTheStuckOneIsDropped() throws Exception {
    LiveHub hub = new LiveHub();
    String id = "0123456789abcdef0123456789abcdef";
    Path file = dir.resolve(id + ".cast");
    hub.open(id);
    GroupCommit commit = new GroupCommit();
    SessionRecording recording =
        SessionRecording.create(
            id,
            file,
            new RecordingHeader(80, 24, Instant.now(), "xterm", "t", null),
            (b, o, l) -> hub.publish(id, b, o, l));
    commit.register(recording);

    List<Collecting> viewers = new ArrayList<>();
    for (int i = 0; i < 99; i++) {
      Collecting v = new Collecting();
      viewers.add(v);
      hub.subscribe(id, v);
    }
    Stuck stuck = new Stuck();
    hub.subscribe(id, stuck);

    byte[] chunk = "x".repeat(4000).concat("\r\n").getBytes(StandardCharsets.UTF_8);
    long started = System.nanoTime();
    for (int i = 0; i < 2000; i++) { // about 8 MB of output at 4 MB/s, a very busy terminal
      recording.output(0, chunk, 0, chunk.length);
      Thread.sleep(1);
    }
    long publishMillis = (System.nanoTime() - started) / 1_000_000;
    commit.unregister(recording);
    recording.close();
    hub.close(id, "session ended");

    assertTrue(stuck.closed.await(10, TimeUnit.SECONDS), "stuck viewer was never dropped");
    assertTrue(stuck.reason.contains("fell more than 1024 KiB behind"), stuck.reason);
    for (Collecting v : viewers) {
      assertTrue(v.closed.await(30, TimeUnit.SECONDS), "a viewer did not get to the end");
      assertEquals("session ended", v.reason);
      assertEquals(2001, v.received.size(), "header and every event");
    }
    System.out.println("published 2000 events to 100 viewers in " + publishMillis + " ms");
    commit.close();
    hub.close();
  }

  @Test
  void lateJoinerGetsHeaderAndEverythingSoFarThenLiveEventsInOrder() throws Exception {
    LiveHub hub = new LiveHub();
    String id = "fedcba9876543210fedcba9876543210";
    Path file = dir.resolve(id + ".cast");
    hub.open(id);
    GroupCommit commit = new GroupCommit();
    SessionRecording recording =
        SessionRecording.create(
            id,
            file,
            new RecordingHeader(80, 24, Instant.now(), "xterm", "t", null),
            (b, o, l) -> hub.publish(id, b, o, l));
    commit.register(recording);
    for (int i = 0; i < 50; i++) {
      byte[] b = ("before " + i + "\n").getBytes(StandardCharsets.UTF_8);
      recording.output(0, b, 0, b.length);
    }
    Collecting late = new Collecting();
    hub.subscribe(id, late);
    for (int i = 0; i < 50; i++) {
      byte[] b = ("after " + i + "\n").getBytes(StandardCharsets.UTF_8);
      recording.output(0, b, 0, b.length);
    }
    commit.unregister(recording);
    recording.close();
    hub.close(id, "session ended");
    assertTrue(late.closed.await(10, TimeUnit.SECONDS));
    assertEquals(101, late.lines().size());
    assertTrue(late.lines().get(0).startsWith("{\"version\":2"), late.lines().get(0));
    for (int i = 0; i < 50; i++) {
      assertTrue(
          late.lines().get(1 + i).contains("\"before " + i + "\\n\""), late.lines().get(1 + i));
      assertTrue(
          late.lines().get(51 + i).contains("\"after " + i + "\\n\""), late.lines().get(51 + i));
    }
    commit.close();
    hub.close();
  }

  @Test
  void lateJoinerOfALongSessionGetsTheHeaderAndTheLatestMebibyteOfWholeEvents() throws Exception {
    LiveHub hub = new LiveHub();
    String id = "aaaabbbbccccddddeeeeffff00001111";
    hub.open(id);
    SessionRecording recording =
        SessionRecording.create(
            id,
            dir.resolve(id + ".cast"),
            new RecordingHeader(80, 24, Instant.now(), "xterm", "t", null),
            (b, o, l) -> hub.publish(id, b, o, l));
    String filler = "y".repeat(1000);
    for (int i = 0; i < 3000; i++) { // about 3 MB of events before the viewer joins
      byte[] b = ("before " + i + " " + filler).getBytes(StandardCharsets.UTF_8);
      recording.output(0, b, 0, b.length);
    }
    Collecting late = new Collecting();
    hub.subscribe(id, late);
    byte[] after = "after".getBytes(StandardCharsets.UTF_8);
    recording.output(0, after, 0, after.length);
    recording.close();
    hub.close(id, "session ended");
    assertTrue(late.closed.await(10, TimeUnit.SECONDS));

    List<String> lines = late.lines();
    assertTrue(lines.get(0).startsWith("{\"version\":2"), lines.get(0));
    assertTrue(lines.get(lines.size() - 1).contains("\"after\""));
    List<String> catchUp = lines.subList(1, lines.size() - 1);
    int first = Integer.parseInt(catchUp.get(0).split("\"before ")[1].split(" ")[0]);
    for (int i = 0; i < catchUp.size(); i++) {
      assertTrue(
          catchUp.get(i).contains("\"before " + (first + i) + " "), "in order, none missing");
    }
    assertEquals(2999, first + catchUp.size() - 1, "up to the latest event");
    long bytes = catchUp.stream().mapToLong(l -> l.length() + 1).sum();
    assertTrue(bytes <= LiveHub.CATCH_UP_LIMIT, "at most the catch-up limit: " + bytes);
    assertTrue(bytes > LiveHub.CATCH_UP_LIMIT - 1100, "nearly all of it: " + bytes);
    hub.close();
  }
}
