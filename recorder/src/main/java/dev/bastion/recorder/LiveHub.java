package dev.bastion.recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans a session's recording out to live viewers: a viewer that joins gets the header and every
 * event so far (read back from the recording file), then each new event, in the file's order. Every
 * viewer has its own queue of at most {@link #QUEUE_LIMIT} bytes; a viewer that falls further
 * behind is dropped with a reason. Publishing only appends to queues, so viewers never slow the
 * session or each other.
 */
public final class LiveHub implements AutoCloseable {
  /** How far a viewer may fall behind before it is dropped. */
  public static final int QUEUE_LIMIT = 1024 * 1024;

  private final ConcurrentHashMap<String, Feed> feeds = new ConcurrentHashMap<>();
  private final ExecutorService delivery =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "live-hub");
            t.setDaemon(true);
            return t;
          });

  /** A session's feed; one per live recording. */
  private static final class Feed {
    final Path file;
    final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    long published;
    boolean ended;
    String endReason;

    Feed(Path file) {
      this.file = file;
    }
  }

  /** Starts a feed for a session whose recording is {@code file}. */
  public void open(String sessionId, Path file) {
    feeds.put(sessionId, new Feed(file));
  }

  /** One line of the session's recording (header or event, with its newline), in file order. */
  public void publish(String sessionId, byte[] buffer, int offset, int length) {
    Feed feed = feeds.get(sessionId);
    if (feed == null) {
      return;
    }
    synchronized (feed) {
      feed.published++;
      if (feed.subscriptions.isEmpty()) {
        return; // nobody watching: no copy, no decoding
      }
      String text = new String(buffer, offset, length - 1, StandardCharsets.UTF_8);
      for (Subscription s : feed.subscriptions) {
        s.enqueue(text);
      }
    }
  }

  /** The session ended: every viewer is closed once it has everything. */
  public void close(String sessionId, String reason) {
    Feed feed = feeds.remove(sessionId);
    if (feed == null) {
      return;
    }
    synchronized (feed) {
      feed.ended = true;
      feed.endReason = reason;
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
   * Adds a viewer. Returns null if the session is not live. Catch-up is read from the recording
   * file on this thread (callers are off the event loops); live events wait in the viewer's queue.
   */
  public Subscription subscribe(String sessionId, Viewer viewer) {
    Feed feed = feeds.get(sessionId);
    if (feed == null) {
      return null;
    }
    Subscription subscription = new Subscription(feed, viewer);
    long already;
    synchronized (feed) {
      if (feed.ended) {
        return null;
      }
      already = feed.published;
      feed.subscriptions.add(subscription);
    }
    List<String> catchUp;
    try {
      catchUp = readLines(feed.file, already);
    } catch (IOException e) {
      subscription.drop("cannot read the recording for catch-up: " + e.getMessage());
      return subscription;
    }
    subscription.startWith(catchUp);
    return subscription;
  }

  /**
   * Reads the first {@code count} complete lines, waiting briefly for the group commit to write
   * them.
   */
  private static List<String> readLines(Path file, long count) throws IOException {
    for (int attempt = 0; ; attempt++) {
      List<String> lines = new ArrayList<>();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while (lines.size() < count && (line = reader.readLine()) != null) {
          lines.add(line);
        }
      }
      if (lines.size() >= count || attempt >= 40) {
        return lines;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return lines;
      }
    }
  }

  /** One viewer's place in a feed. */
  public final class Subscription {
    private final Feed feed;
    private final Viewer viewer;
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean started;
    private java.util.Iterator<String> catchUp;
    private volatile boolean waitingForDrain;
    private volatile String finalReason;

    private Subscription(Feed feed, Viewer viewer) {
      this.feed = feed;
      this.viewer = viewer;
    }

    void enqueue(String line) {
      if (closed.get()) {
        return;
      }
      if (queued.addAndGet(line.length()) > QUEUE_LIMIT) {
        drop(
            "viewer fell more than "
                + QUEUE_LIMIT / 1024
                + " KiB behind the session and was dropped");
        return;
      }
      queue.add(line);
      schedule();
    }

    void startWith(List<String> lines) {
      // Catch-up goes out first; live lines queued meanwhile wait behind it in the queue.
      catchUp = lines.iterator();
      started = true;
      schedule();
    }

    void finish(String reason) {
      finalReason = reason;
      schedule();
    }

    /** Stops watching. */
    public void cancel() {
      if (closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
      }
    }

    void drop(String reason) {
      if (closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
        queue.clear();
        delivery.execute(() -> viewer.close(reason));
      }
    }

    private void schedule() {
      if (started && !waitingForDrain && scheduled.compareAndSet(false, true)) {
        delivery.execute(this::drain);
      }
    }

    /** The viewer's own buffer emptied: deliver again. */
    private void drained() {
      waitingForDrain = false;
      schedule();
    }

    private void drain() {
      boolean waiting = false;
      try {
        while (!closed.get()) {
          if (viewer.saturated()) {
            // Park until the viewer drains; do not spin. Its drain callback schedules us again.
            waiting = true;
            waitingForDrain = true;
            viewer.onDrain(this::drained);
            break;
          }
          String line;
          if (catchUp != null && catchUp.hasNext()) {
            line = catchUp.next();
          } else {
            line = queue.poll();
            if (line == null) {
              break;
            }
            queued.addAndGet(-line.length());
          }
          viewer.send(line);
        }
      } finally {
        scheduled.set(false);
      }
      if (waiting) {
        return;
      }
      if ((!queue.isEmpty() || (catchUp != null && catchUp.hasNext())) && !closed.get()) {
        schedule();
      } else if (finalReason != null && queue.isEmpty() && closed.compareAndSet(false, true)) {
        feed.subscriptions.remove(this);
        viewer.close(finalReason);
      }
    }
  }

  @Override
  public void close() {
    delivery.shutdownNow();
  }
}
