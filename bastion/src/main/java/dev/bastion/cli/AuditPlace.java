package dev.bastion.cli;

import dev.bastion.audit.AuditAccess;
import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.AuditSocketClient;
import dev.bastion.audit.SessionRecord;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.recorder.RecordingStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the commands find the audit log: a running bastion's socket in the data directory, else the
 * PostgreSQL database of the configuration's {@code database:}, else the embedded database {@code
 * audit.mv.db} in the data directory.
 */
record AuditPlace(
    Path dataDir, Optional<BastionConfig.Database> server, RecordingStore recordings) {

  /**
   * From the global options: the data directory, and the configuration in force if any (its
   * database and recordings directory).
   */
  static AuditPlace of(BastionCommand root) {
    Optional<Path> file = root.configFile();
    Path dataDir = root.dataDir();
    if (file.isEmpty()) {
      return new AuditPlace(dataDir, Optional.empty(), RecordingStore.inDataDir(dataDir));
    }
    BastionConfig config = ConfigLoader.load(file);
    return new AuditPlace(dataDir, config.database(), config.recording().store(dataDir));
  }

  /**
   * The recording file a session's row names, inside the recordings directory; fails when the path
   * would lead anywhere else.
   */
  Path recordingOf(SessionRecord session) {
    return recordings
        .resolve(session.recordingPath())
        .orElseThrow(
            () ->
                new CommandFailedException(
                    "the audit database names a recording outside "
                        + recordings.root()
                        + " for session "
                        + session.id()
                        + ": "
                        + session.recordingPath()
                        + "; refused"));
  }

  /** Whether there is an audit database to read (a server always counts: it says if it is not). */
  boolean exists() {
    return server.isPresent() || Files.exists(dataDir.resolve("audit.mv.db"));
  }

  /** The running bastion's audit log through its socket, else the database itself. */
  AuditAccess reader() {
    Optional<AuditAccess> running = AuditSocketClient.connect(dataDir);
    if (running.isPresent()) {
      return running.get();
    }
    if (!exists()) {
      throw new CommandFailedException(
          "no audit database in "
              + dataDir
              + " (has 'bastion serve' run with this --data-dir? With a PostgreSQL database,"
              + " name its configuration with --config)");
    }
    try {
      return new AuditReader(AuditDatabase.open(server, dataDir));
    } catch (dev.bastion.audit.AuditException e) {
      throw new CommandFailedException(e.getMessage());
    }
  }
}
