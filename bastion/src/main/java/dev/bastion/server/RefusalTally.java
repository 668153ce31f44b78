package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges repeated refusals: the first of a source address and reason is written (and logged) at
 * once; the rest are counted and written as one row per window with their count, so a flood of
 * refused logins costs a few rows and log lines, not one each. The table stays append-only.
 */
final class RefusalTally implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RefusalTally.class);

  /** Beyond this many addresses and reasons in a window, further ones share one tally. */
  private static final int KEYS = 10_000;

  private static final class Tally {
    final Instant since;
    AuditEvent last;
    long more;

    Tally(Instant since, AuditEvent first) {
      this.since = since;
      this.last = first;
    }
  }

  private final AuditLog audit;
  private final Clock clock;
  private final Map<String, Tally> tallies = new HashMap<>();
  private final ScheduledExecutorService flusher;

  RefusalTally(AuditLog audit, Duration window, Clock clock) {
    this.audit = audit;
    this.clock = clock;
    this.flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "refusal-tally");
              t.setDaemon(true);
              return t;
            });
    long millis = Math.max(1, window.toMillis());
    flusher.scheduleAtFixedRate(this::flush, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Records a refusal. Returns true if it was written at once (the first of its address and reason
   * in this window: worth a log line), false if it was only counted.
   */
  boolean refused(AuditEvent event) {
    String key = event.sourceAddress() + "\0" + event.kind() + "\0" + event.code();
    synchronized (this) {
      Tally tally = tallies.get(key);
      if (tally == null && tallies.size() >= KEYS) {
        key = "*\0" + event.kind() + "\0" + event.code();
        tally = tallies.get(key);
      }
      if (tally != null) {
        tally.more++;
        tally.last = event;
        return false;
      }
      tallies.put(key, new Tally(event.at(), event));
    }
    audit.record(event);
    return true;
  }

  /** Writes one row for each address and reason refused again since its last row. */
  void flush() {
    Map<String, Tally> due = new HashMap<>();
    synchronized (this) {
      for (Iterator<Map.Entry<String, Tally>> i = tallies.entrySet().iterator(); i.hasNext(); ) {
        Map.Entry<String, Tally> entry = i.next();
        if (entry.getValue().more > 0) {
          due.put(entry.getKey(), entry.getValue());
          // The next refusal of this address and reason is counted into a fresh tally.
          entry.setValue(new Tally(clock.instant(), entry.getValue().last));
        } else {
          i.remove();
        }
      }
    }
    due.forEach((key, tally) -> write(key.startsWith("*\0"), tally));
  }

  private void write(boolean anyAddress, Tally tally) {
    AuditEvent last = tally.last;
    String from = anyAddress ? "many addresses" : last.sourceAddress();
    String summary =
        tally.more
            + " more like this from "
            + from
            + " since "
            + tally.since
            + "; the last: "
            + last.detail();
    audit.record(
        new AuditEvent(
            clock.instant(),
            last.kind(),
            anyAddress ? null : last.identity(),
            anyAddress ? null : last.serial(),
            anyAddress ? "*" : last.sourceAddress(),
            null,
            null,
            null,
            last.code(),
            summary,
            tally.more));
    LOG.info(
        "{} x{} from {} ({}) since {}", last.kind(), tally.more, from, last.code(), tally.since);
  }

  /** Writes what is counted, then stops. */
  @Override
  public void close() {
    flusher.shutdownNow();
    flush();
  }
}
