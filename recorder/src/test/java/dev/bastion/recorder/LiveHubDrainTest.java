package dev.bastion.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hub's handshake with a viewer whose own buffer fills up, run step by step on the test's
 * thread so that every interleaving is chosen by the test, not by the scheduler.
 */
class LiveHubDrainTest {
  static final String ID = "00112233445566778899aabbccddeeff";

  final StepByStep delivery = new StepByStep();
  LiveHub hub;

  /** Runs delivery tasks only when the test says so. */
  static final class StepByStep extends AbstractExecutorService {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    void runAll() {
      for (Runnable task; (task = tasks.poll()) != null; ) {
        task.run();
      }
    }

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  /**
   * A browser whose buffer is full when the hub asks, and has emptied by the time the hub asks to
   * be told about it: it says so at once, as {@link Viewer#onDrain} allows.
   */
  static final class DrainsMeanwhile implements Viewer {
    final List<String> lines = new ArrayList<>();
    boolean full = true;
    String closedWith;

    @Override
    public void send(byte[] line) {
      lines.add(new String(line, StandardCharsets.UTF_8));
    }

    @Override
    public boolean saturated() {
      boolean wasFull = full;
      full = false; // the network takes everything right after this answer
      return wasFull;
    }

    @Override
    public void onDrain(Runnable ready) {
      if (!full) {
        ready.run();
      }
    }

    @Override
    public void close(String reason) {
      closedWith = reason;
    }
  }

  /** A browser that stopped reading: its buffer stays full and never drains. */
  static final class NeverDrains implements Viewer {
    String closedWith;
    int closes;

    @Override
    public void send(byte[] line) {}

    @Override
    public boolean saturated() {
      return true;
    }

    @Override
    public void onDrain(Runnable ready) {}

    @Override
    public void close(String reason) {
      closedWith = reason;
      closes++;
    }
  }

  @BeforeEach
  void openSession() {
    hub = new LiveHub(delivery);
    hub.open(ID);
  }

  private void publish(String text) {
    byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
    hub.publish(ID, line, 0, line.length);
  }

  @Test
  void aViewerThatDrainsBetweenSaturatedAndOnDrainKeepsReceiving() {
    DrainsMeanwhile viewer = new DrainsMeanwhile();
    hub.subscribe(ID, viewer);
    publish("[0.1, \"o\", \"one\"]");
    publish("[0.2, \"o\", \"two\"]");
    delivery.runAll();
    assertEquals(List.of("[0.1, \"o\", \"one\"]", "[0.2, \"o\", \"two\"]"), viewer.lines);

    publish("[0.3, \"o\", \"three\"]");
    hub.close(ID, "session ended");
    delivery.runAll();
    assertEquals(3, viewer.lines.size());
    assertEquals("session ended", viewer.closedWith);
  }

  @Test
  void aViewerStuckAtSessionEndIsClosedOnce() {
    NeverDrains viewer = new NeverDrains();
    hub.subscribe(ID, viewer);
    publish("[0.1, \"o\", \"one\"]");
    delivery.runAll();
    assertNull(viewer.closedWith, "a full buffer alone is no reason to close");

    hub.close(ID, "session ended");
    delivery.runAll();
    assertEquals("session ended", viewer.closedWith);
    assertEquals(1, viewer.closes);
  }

  /** A browser whose buffer is full until the network takes it; then it says so once. */
  static final class DrainsLater implements Viewer {
    final List<String> lines = new ArrayList<>();
    boolean full = true;
    Runnable whenDrained;

    @Override
    public void send(byte[] line) {
      lines.add(new String(line, StandardCharsets.UTF_8));
    }

    @Override
    public boolean saturated() {
      return full;
    }

    @Override
    public void onDrain(Runnable ready) {
      whenDrained = ready;
    }

    @Override
    public void close(String reason) {}

    void drain() {
      full = false;
      Runnable ready = whenDrained;
      whenDrained = null;
      ready.run();
    }
  }

  @Test
  void aFullViewerGetsEverythingQueuedOnceItDrains() {
    DrainsLater viewer = new DrainsLater();
    hub.subscribe(ID, viewer);
    publish("{\"version\": 2}");
    publish("[0.1, \"o\", \"one\"]");
    delivery.runAll();
    assertEquals(List.of(), viewer.lines);

    viewer.drain();
    delivery.runAll();
    assertEquals(List.of("{\"version\": 2}", "[0.1, \"o\", \"one\"]"), viewer.lines);
  }

  @Test
  void theQueueLimitCountsBytes() {
    NeverDrains viewer = new NeverDrains();
    hub.subscribe(ID, viewer);
    String chunk = "é".repeat(1000); // 1000 characters, 2000 bytes in UTF-8
    for (int i = 0; i < LiveHub.QUEUE_LIMIT / 2000 - 1; i++) {
      publish(chunk);
    }
    delivery.runAll();
    assertNull(viewer.closedWith, "just under the limit in bytes");

    publish(chunk);
    publish(chunk);
    delivery.runAll();
    assertEquals(
        "viewer fell more than 1024 KiB behind the session and was dropped", viewer.closedWith);
  }
}
