package dev.bastion.recorder;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans a session's recording out to live viewers, fed the same lines in the same order as the file.
 * A viewer that joins gets the header and the latest events (up to {@link #CATCH_UP_LIMIT} bytes,
 * kept in memory), then each new event. Each line is copied once and the copy shared by all
 * viewers. Every viewer has its own queue of at most {@link #QUEUE_LIMIT} bytes; a viewer that
 * falls further behind is dropped with a reason. Publishing only appends to queues, so viewers
 * never slow the session or each other.
 */
public final class LiveHub implements AutoCloseable {
  /** How far (in bytes of asciicast lines) a viewer may fall behind before it is dropped. */
  public static final int QUEUE_LIMIT = 1024 * 1024;

  /** How much of the latest output (bytes of event lines) a viewer who joins late is shown. */
  public static final int CATCH_UP_LIMIT = 256 * 1024;

  private final ConcurrentHashMap<String, Feed> feeds = new ConcurrentHashMap<>();
  private final ExecutorService delivery;

  /** A session's feed; one per live recording. Its lock orders publishing and joining. */
  private static final class Feed {
    final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    final RecentLines recent = new RecentLines(CATCH_UP_LIMIT);
    byte[] header;
    boolean ended;
  }

  public LiveHub() {
    this(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "live-hub");
              t.setDaemon(true);
              return t;
            }));
  }

  /** A hub delivering on {@code delivery} (tests run it step by step). */
  LiveHub(ExecutorService delivery) {
    this.delivery = delivery;
  }

  /** Starts a session's feed; its first published line is the recording's header. */
  public void open(String sessionId) {
    feeds.put(sessionId, new Feed());
  }

  /** One line of the session's recording (header or event, with its newline), in file order. */
  public void publish(String sessionId, byte[] buffer, int offset, int length) {
    Feed feed = feeds.get(sessionId);
    if (feed == null) {
      return;
    }
    synchronized (feed) {
      byte[] line = null;
      if (feed.header == null) {
        line = feed.header = Arrays.copyOfRange(buffer, offset, offset + length - 1);
      } else {
        feed.recent.add(buffer, offset, length);
      }
      if (feed.subscriptions.isEmpty()) {
        return; // nobody watching: no copy
      }
      if (line == null) {
        line = Arrays.copyOfRange(buffer, offset, offset + length - 1);
      }
      for (Subscription s : feed.subscriptions) {
        s.enqueue(line);
      }
    }
  }

  /** The session ended: every viewer is closed once it has been handed everything. */
  public void close(String sessionId, String reason) {
    Feed feed = feeds.remove(sessionId);
    if (feed == null) {
      return;
    }
    synchronized (feed) {
      feed.ended = true;
      for (Subscription s : feed.subscriptions) {
        s.finish(reason);
      }
    }
  }

  public boolean isLive(String sessionId) {
    return feeds.containsKey(sessionId);
  }

  /** Number of viewers of a session right now. */
  public int viewers(String sessionId) {
    Feed feed = feeds.get(sessionId);
    return feed == null ? 0 : feed.subscriptions.size();
  }

  /**
   * Adds a viewer; returns null if the session is not live. Catch-up comes from memory, so this
   * never waits for the disk; live events follow it in the viewer's queue.
   */
  public Subscription subscribe(String sessionId, Viewer viewer) {
    Feed feed = feeds.get(sessionId);
    if (feed == null) {
      return null;
    }
    Subscription subscription = new Subscription(feed, viewer);
    synchronized (feed) {
      if (feed.ended) {
        return null;
      }
      List<byte[]> lines = feed.recent.lines();
      if (feed.header != null) {
        lines.add(0, feed.header);
      }
      feed.subscriptions.add(subscription);
      subscription.startWith(lines);
    }
    return subscription;
  }

  /**
   * One viewer's place in a feed. Delivery runs on the hub's threads, one run at a time per viewer:
   * everything that may let it go on (a new line, the viewer draining, the session ending) asks for
   * a run, and a run repeats while asks arrived during it, so none is lost.
   */
  public final class Subscription {
    private final Feed feed;
    private final Viewer viewer;
    private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicInteger asks = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Iterator<byte[]> catchUp;
    private volatile boolean waitingForDrain;
    private volatile String finalReason;

    private Subscription(Feed feed, Viewer viewer) {
      this.feed = feed;
      this.viewer = viewer;
    }

    private void startWith(List<byte[]> lines) {
      catchUp = lines.iterator();
      schedule();
    }

    private void enqueue(byte[] line) {
      if (closed.get()) {
        return;
      }
      if (queued.addAndGet(line.length) > QUEUE_LIMIT) {
        drop(
            "viewer fell more than "
                + QUEUE_LIMIT / 1024
                + " KiB behind the session and was dropped");
        return;
      }
      queue.add(line);
      schedule();
    }

    private void finish(String reason) {
      finalReason = reason;
      schedule();
    }

    /** Stops watching. */
    public void cancel() {
      if (closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
      }
    }

    private void drop(String reason) {
      if (closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
        queue.clear();
        delivery.execute(() -> viewer.close(reason));
      }
    }

    private void schedule() {
      if (asks.getAndIncrement() == 0) {
        delivery.execute(this::run);
      }
    }

    private void run() {
      int seen = asks.get();
      while (true) {
        deliver();
        seen = asks.addAndGet(-seen);
        if (seen == 0) {
          return;
        }
      }
    }

    /**
     * Sends while the viewer takes it. Once the session ended, the rest (bounded by the queue
     * limit) is handed over even to a full viewer and the viewer closed: one that stopped reading
     * must not stay open, and one merely busy still gets the end of the session.
     */
    private void deliver() {
      boolean ending = finalReason != null;
      while (!closed.get()) {
        if (!ending && (waitingForDrain || viewer.saturated())) {
          awaitDrain();
          return;
        }
        byte[] line = next();
        if (line == null) {
          break;
        }
        viewer.send(line);
      }
      if (ending && closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
        viewer.close(finalReason);
      }
    }

    private void awaitDrain() {
      if (!waitingForDrain) {
        waitingForDrain = true;
        viewer.onDrain(
            () -> {
              waitingForDrain = false;
              schedule();
            });
      }
    }

    private byte[] next() {
      if (catchUp.hasNext()) {
        return catchUp.next();
      }
      byte[] line = queue.poll();
      if (line != null) {
        queued.addAndGet(-line.length);
      }
      return line;
    }
  }

  @Override
  public void close() {
    delivery.shutdownNow();
  }
}
