package dev.bastion.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.cluster.Fleet;
import dev.bastion.cluster.TestFleetKey;
import dev.bastion.config.BastionConfig;
import dev.bastion.e2e.TwoNodes;
import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.Viewer;
import dev.bastion.web.LiveFeeds;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Watching a session that runs on another node: two (or three) real nodes in this JVM with
 * Hazelcast and the clustered event bus, the owner's live hub feeding a viewer on the other node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteViewingTest {
  Node a;
  Node b;
  int portA;
  int portB;

  /** One node's side of remote viewing, wired as {@link FleetLive} wires it. */
  static final class Node implements AutoCloseable {
    final Fleet fleet;
    final LiveHub hub = new LiveHub();
    final RemoteViewers viewers;
    final RemoteFeeds feeds;

    Node(Fleet fleet) throws Exception {
      this.fleet = fleet;
      viewers = new RemoteViewers(fleet.vertx(), fleet.node(), hub);
      feeds = new RemoteFeeds(fleet.vertx(), fleet.node(), FleetSessions.TIMEOUT_MS);
      fleet.onNodeLeft(
          node -> {
            viewers.nodeLeft(node);
            feeds.nodeLeft(node);
          });
      viewers.ready().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      feeds.ready().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A live session here, answering watch asks as {@link OwnedSessions} does. */
    void live(String sessionId, String... lines) {
      hub.open(sessionId);
      for (String line : lines) {
        publish(sessionId, line);
      }
      fleet
          .vertx()
          .eventBus()
          .<JsonObject>consumer(
              SessionAsk.address(sessionId),
              m -> {
                if (viewers.watch(
                    sessionId, m.body().getString("node"), m.body().getLong("watch"))) {
                  m.reply(new JsonObject().put("node", fleet.node()));
                } else {
                  m.fail(404, "not live");
                }
              });
    }

    void publish(String sessionId, String line) {
      byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
      hub.publish(sessionId, bytes, 0, bytes.length);
    }

    /** Watches a session on another node; asks until the session's address has reached here. */
    LiveFeeds.Watch watch(String sessionId, Viewer viewer) throws Exception {
      for (int i = 0; i < 100; i++) {
        LiveFeeds.Watch watch =
            feeds
                .watch(sessionId, viewer)
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        if (watch != null) {
          return watch;
        }
        Thread.sleep(100);
      }
      throw new AssertionError("session " + sessionId + " never became watchable");
    }

    @Override
    public void close() {
      fleet.close();
      hub.close();
    }
  }

  /** A viewer that reads only when told to. */
  static final class TestViewer implements Viewer {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final AtomicLong bytes = new AtomicLong();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    volatile boolean full;

    TestViewer(boolean full) {
      this.full = full;
    }

    @Override
    public void send(byte[] line) {
      lines.add(new String(line, StandardCharsets.UTF_8));
      bytes.addAndGet(line.length);
    }

    @Override
    public boolean saturated() {
      return full;
    }

    @Override
    public void onDrain(Runnable ready) {
      if (!full) {
        ready.run();
      }
    }

    @Override
    public void close(String reason) {
      closed.complete(reason);
    }
  }

  @BeforeAll
  void start() throws Exception {
    portA = TwoNodes.freePortPair();
    portB = TwoNodes.freePortPair();
    a = new Node(Fleet.join(cluster("node-a", portA, portB), TestFleetKey.KEY));
    b = new Node(Fleet.join(cluster("node-b", portB, portA), TestFleetKey.KEY));
  }

  @AfterAll
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  static BastionConfig.Cluster cluster(String name, int port, int... others) {
    List<InetSocketAddress> members =
        IntStream.concat(IntStream.of(port), IntStream.of(others))
            .mapToObj(p -> new InetSocketAddress("127.0.0.1", p))
            .toList();
    return new BastionConfig.Cluster(name, new InetSocketAddress("127.0.0.1", port), members);
  }

  @Test
  void aViewerOnAnotherNodeGetsTheCatchUpThenEachNewLineThenTheEnd() throws Exception {
    b.live("s-catch-up", "{\"version\": 2}", "[0.1, \"o\", \"before\"]");
    TestViewer viewer = new TestViewer(false);
    a.watch("s-catch-up", viewer);
    await(() -> viewer.lines.size() == 2, "catch-up");
    b.publish("s-catch-up", "[0.2, \"o\", \"after\"]");
    await(() -> viewer.lines.size() == 3, "the new line");
    b.hub.close("s-catch-up", "session ended: exit status 0");
    assertEquals("session ended: exit status 0", viewer.closed.get(30, TimeUnit.SECONDS));
    assertEquals(
        List.of("{\"version\": 2}", "[0.1, \"o\", \"before\"]", "[0.2, \"o\", \"after\"]"),
        viewer.lines);
    await(() -> a.feeds.count() == 0 && b.viewers.count() == 0, "both ends forgotten");
  }

  @Test
  void aViewerThatStopsReadingIsDroppedByTheOwnerWhileAnotherGetsEverything() throws Exception {
    b.live("s-slow", "{\"version\": 2}");
    TestViewer slow = new TestViewer(true);
    TestViewer fast = new TestViewer(false);
    a.watch("s-slow", slow);
    a.watch("s-slow", fast);
    String pad = "x".repeat(4000);
    int count = 2 * LiveHub.QUEUE_LIMIT / pad.length();
    for (int i = 0; i < count; i++) {
      b.publish("s-slow", "[" + i + ", \"o\", \"" + pad + "\"]");
      if (i % 16
          == 15) { // a session as fast as the viewer who reads, which never waits for the other
        int sent = i + 2;
        await(() -> fast.lines.size() == sent, "the viewer that reads keeps up");
      }
    }
    String reason = slow.closed.get(30, TimeUnit.SECONDS);
    assertTrue(reason.contains("fell more than 1024 KiB behind"), reason);
    assertTrue(
        slow.bytes.get() <= RemoteViewer.WINDOW + pad.length() + 100,
        "the owner sent past the window to a viewer that took nothing: " + slow.bytes.get());
    await(() -> fast.lines.size() == count + 1, "every line for the viewer that reads");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      expected.add("[" + i + ", \"o\", \"" + pad + "\"]");
    }
    assertEquals(expected, fast.lines.subList(1, fast.lines.size()));
    assertEquals(1, b.hub.viewers("s-slow"), "the dropped viewer is still subscribed");
    await(() -> a.feeds.count() == 1 && b.viewers.count() == 1, "the dropped feed forgotten");
    b.hub.close("s-slow", "session ended");
    fast.closed.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aViewerThatLeavesIsUnsubscribedOnTheOwningNode() throws Exception {
    b.live("s-leave", "{\"version\": 2}");
    TestViewer viewer = new TestViewer(false);
    LiveFeeds.Watch watch = a.watch("s-leave", viewer);
    await(() -> b.hub.viewers("s-leave") == 1, "subscribed");
    watch.cancel();
    await(() -> b.hub.viewers("s-leave") == 0 && b.viewers.count() == 0, "unsubscribed on B");
    assertEquals(0, a.feeds.count());
    b.hub.close("s-leave", "session ended");
  }

  @Test
  void aNodeLeavingTheFleetClosesBothEnds() throws Exception {
    int portC = TwoNodes.freePortPair();
    Node c = new Node(Fleet.join(cluster("node-c", portC, portA, portB), TestFleetKey.KEY));
    try {
      c.live("s-on-c", "{\"version\": 2}");
      b.live("s-on-b", "{\"version\": 2}");
      TestViewer onA = new TestViewer(false);
      a.watch("s-on-c", onA);
      c.watch("s-on-b", new TestViewer(false));
      await(() -> b.hub.viewers("s-on-b") == 1, "C watches B's session");
    } finally {
      c.close();
    }
    await(() -> b.hub.viewers("s-on-b") == 0, "B forgot the viewer of the node that left");
    await(() -> a.feeds.count() == 0, "A closed the view of the session of the node that left");
    b.hub.close("s-on-b", "session ended");
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never: " + what);
  }
}
