package dev.bastion.revocation;

import dev.bastion.audit.AuditException;
import dev.bastion.keys.KeyFileException;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.keys.Revocations;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocations of a fleet, as one node sees them: a copy of the database's table, kept fresh by
 * its own thread, which looks every {@link #INTERVAL_MILLIS} ms whether the table changed (its
 * number of rows and newest time) and reads it again only when it did. Lookups never touch the
 * database, so logins and sessions never wait for it.
 *
 * <p>While the database cannot be read, the last list read stays in force (a revocation is never
 * forgotten; logins are refused anyway while the audit log cannot be written), the failure is
 * logged once per outage, and {@link #problem()} says so for {@code /readyz}.
 *
 * <p>The node's former file {@code <data-dir>/revoked} is imported at start, and again whenever it
 * changes (a {@code bastion cert revoke} run without the configuration writes there), so no
 * revocation made on a node is lost to the fleet. Importing is idempotent.
 */
public final class SharedRevocations implements Revocations, AutoCloseable {
  static final long INTERVAL_MILLIS = 250;
  private static final Logger LOG = LoggerFactory.getLogger(SharedRevocations.class);

  private final RevocationTable table;
  private final RevocationList file;
  private final ScheduledExecutorService refresher;
  private volatile Runnable onChange = () -> {};
  private volatile Known known;
  private volatile boolean failing; // the last refresh could not read the database
  private String fileProblem; // why the file could not be imported, logged once
  private List<Revocation> imported = List.of();

  /** The list read at one moment, with what identified that version of the table. */
  private record Known(RevocationTable.Version version, List<Revocation> entries, Lookup lookup) {}

  private SharedRevocations(RevocationTable table, RevocationList file) {
    this.table = table;
    this.file = file;
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bastion-revocations");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Reads the table and imports {@code <data-dir>/revoked} into it; a database that cannot be read
   * now stops the start. Nothing is refreshed before {@link #refresh(Runnable)}.
   */
  public static SharedRevocations start(RevocationTable table, Path dataDir) {
    SharedRevocations shared = new SharedRevocations(table, new RevocationList(dataDir));
    shared.reload();
    shared.importFile();
    return shared;
  }

  /**
   * Starts looking for changes every {@link #INTERVAL_MILLIS} ms; runs {@code onChange} on the
   * refresher's thread after each change it saw.
   */
  public void refresh(Runnable onChange) {
    this.onChange = onChange;
    refresher.scheduleWithFixedDelay(
        this::lookForChanges, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public Lookup current() {
    return known.lookup();
  }

  @Override
  public List<Revocation> entries() {
    return known.entries();
  }

  @Override
  public boolean add(Revocation revocation) {
    boolean added = table.add(revocation);
    reload();
    return added;
  }

  /** Why the list may be stale, for {@code /readyz}; empty while the database answers. */
  public Optional<String> problem() {
    return !failing
        ? Optional.empty()
        : Optional.of(
            "revocations: cannot be read from the database, keeping the "
                + known.entries().size()
                + " known");
  }

  private void lookForChanges() {
    try {
      try {
        refreshOnce();
      } catch (AuditException first) {
        refreshOnce(); // a pooled connection the server closed is dropped; one more on a new one
      }
      if (failing) {
        LOG.info("revocations: the database answers again ({} revocations)", entries().size());
        failing = false;
      }
    } catch (AuditException e) {
      if (refresher.isShutdown()) {
        return; // closed while it asked the database
      }
      if (!failing) {
        LOG.error(
            "revocations: {}; keeping the {} known until it answers",
            e.getMessage(),
            entries().size());
      }
      failing = true;
    } catch (RuntimeException e) {
      LOG.error("revocations: refresh failed", e);
    }
  }

  private void refreshOnce() {
    importFile();
    if (!table.version().equals(known.version())) {
      reload();
      onChange.run();
    }
  }

  private synchronized void reload() {
    RevocationTable.Version version = table.version();
    List<Revocation> entries = table.entries();
    known = new Known(version, entries, new Lookup(entries));
  }

  /** Adds what the file holds and the table does not; only when the file changed. */
  private void importFile() {
    List<Revocation> lines;
    try {
      lines = file.entries(); // the same list while the file is unchanged
    } catch (KeyFileException e) {
      if (!e.getMessage().equals(fileProblem)) {
        LOG.error("revocations: not imported: {}", e.getMessage());
      }
      fileProblem = e.getMessage();
      return;
    }
    fileProblem = null;
    if (lines == imported) {
      return;
    }
    Lookup now = known.lookup();
    int added = 0;
    for (Revocation r : lines) {
      if (!now.holds(r) && table.add(r)) {
        added++;
      }
    }
    imported = lines;
    if (!lines.isEmpty()) {
      LOG.info(
          "revocations: imported {} of the {} in {} into the database (the others were there)",
          added,
          lines.size(),
          file.file());
    }
    if (added > 0) {
      reload();
      onChange.run();
    }
  }

  /** Stops refreshing. */
  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
