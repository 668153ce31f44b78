package dev.bastion.ops;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.server.SharedRecordings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether this node can serve: the bastion is not draining, the database answers a trivial query, a
 * file can be created and deleted in the recordings directory (which, when {@code recording.dir}
 * marked it at start, still carries its mark: a share unmounted underneath is noticed), and the
 * node is in its fleet (always when alone). Each problem is one short phrase naming the part, never
 * a person or a target. Blocking; run off the event loops.
 */
public final class Readiness {
  static final int QUERY_TIMEOUT_SECONDS = 1;
  private static final String PROBE = ".readyz-probe";

  private final AuditDatabase database;
  private final Path recordings;
  // Whether the recordings directory carried the mark of recording.dir when this was made.
  private final boolean marked;
  private final BooleanSupplier draining;
  private final BooleanSupplier joined;
  private final Supplier<Optional<String>> revocations;

  public Readiness(AuditDatabase database, Path recordings, BooleanSupplier draining) {
    this(database, recordings, draining, () -> true, Optional::empty);
  }

  /**
   * As {@link #Readiness(AuditDatabase, Path, BooleanSupplier)}; {@code joined}: whether this node
   * is part of its fleet now; {@code revocations}: the problem of the revocations every node
   * shares, if any (they could not be refreshed from the database).
   */
  public Readiness(
      AuditDatabase database,
      Path recordings,
      BooleanSupplier draining,
      BooleanSupplier joined,
      Supplier<Optional<String>> revocations) {
    this.database = database;
    this.recordings = recordings;
    this.marked = Files.exists(recordings.resolve(SharedRecordings.MARK));
    this.draining = draining;
    this.joined = joined;
    this.revocations = revocations;
  }

  public List<String> notReady() {
    List<String> problems = new ArrayList<>();
    if (draining.getAsBoolean()) {
      problems.add("draining: the bastion is shutting down");
    }
    databaseProblem().ifPresent(problems::add);
    recordingsProblem().ifPresent(problems::add);
    clusterProblem().ifPresent(problems::add);
    revocations.get().ifPresent(problems::add);
    return problems;
  }

  private java.util.Optional<String> databaseProblem() {
    try (Connection c = database.connect();
        Statement st = c.createStatement()) {
      st.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      st.execute("SELECT 1");
      return java.util.Optional.empty();
    } catch (SQLException | RuntimeException e) {
      return java.util.Optional.of(
          "database: does not answer (" + e.getClass().getSimpleName() + ")");
    }
  }

  private java.util.Optional<String> clusterProblem() {
    boolean in;
    try {
      in = joined.getAsBoolean();
    } catch (RuntimeException e) {
      in = false; // Hazelcast stopping underneath
    }
    return in ? java.util.Optional.empty() : java.util.Optional.of("cluster: not joined");
  }

  private java.util.Optional<String> recordingsProblem() {
    if (marked && !Files.exists(recordings.resolve(SharedRecordings.MARK))) {
      // Nothing is created on what may be the bare mount point.
      return java.util.Optional.of(
          "recordings directory: its mark "
              + SharedRecordings.MARK
              + " is gone; is the share still mounted?");
    }
    try {
      Files.createDirectories(recordings);
      Path probe = recordings.resolve(PROBE);
      Files.deleteIfExists(probe);
      Files.createFile(probe);
      Files.delete(probe);
      return java.util.Optional.empty();
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.of(
          "recordings directory: not writable (" + e.getClass().getSimpleName() + ")");
    }
  }
}
