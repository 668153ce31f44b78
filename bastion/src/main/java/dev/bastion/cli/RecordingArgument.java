package dev.bastion.cli;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.SessionRecord;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.Seal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A recording named on the command line ({@code play}, {@code recordings export}): a {@code .cast}
 * or {@code .cast.zst} file, or a session id found through the audit database.
 *
 * @param state the session's state in the audit database, null when the file was named directly
 */
record RecordingArgument(Path file, String sessionId, String state) {

  /** Finds the recording {@code which} names; fails with a message saying what is missing. */
  static RecordingArgument resolve(AuditPlace place, String which) {
    Path dataDir = place.dataDir();
    Path given = Path.of(which);
    if (Files.isRegularFile(given)) {
      if (!RecordingFormat.isRecording(given)) {
        throw new CommandFailedException(which + " is not a recording (.cast or .cast.zst)");
      }
      return new RecordingArgument(given, RecordingFormat.sessionIdOf(given), null);
    }
    if (RecordingFormat.isRecording(given)) {
      throw new CommandFailedException("no such file " + which);
    }
    if (!place.exists()) {
      throw new CommandFailedException(which + " is neither a file nor a session in " + dataDir);
    }
    SessionRecord session =
        place.reader().sessions(false, Integer.MAX_VALUE).stream()
            .filter(s -> s.id().equals(which) && s.recordingPath() != null)
            .findFirst()
            .orElseThrow(() -> new CommandFailedException("no recording for session " + which));
    if (session.recordingRemovedAt() != null) {
      throw new CommandFailedException(
          "the recording of session "
              + which
              + " was removed by retention on "
              + session.recordingRemovedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
              + " (recording.retention); the audit log keeps its SHA-256");
    }
    Path file = place.recordingOf(session);
    if (!Files.isRegularFile(file)) {
      throw new CommandFailedException(
          "the recording of session " + which + " is missing: " + file + " does not exist");
    }
    return new RecordingArgument(file, which, session.state());
  }

  /** True once the recording is complete: its seal lies beside it. */
  boolean sealed() {
    return Files.exists(Seal.sealFileOf(file));
  }

  /** Why the recording may be incomplete, for a line on stderr; null when it is sealed. */
  String unsealedWarning() {
    if (sealed()) {
      return null;
    }
    if (SessionRecord.LIVE.equals(state)) {
      return "session " + sessionId + " is still live: this is what it recorded so far";
    }
    return "recording "
        + sessionId
        + " is not sealed (still being written, or interrupted and not yet sealed by a restart):"
        + " this is what it holds so far";
  }

  /**
   * Adds a {@code recording_replayed} row naming the operating system user, as the web viewer's
   * replays do; nothing when there is no audit database here.
   */
  void auditReplay(AuditPlace place, String detail) {
    if (!place.exists()) {
      return;
    }
    place
        .reader()
        .recordReplay(
            new AuditEvent(
                Instant.now(),
                AuditKind.RECORDING_REPLAYED,
                "os-user:" + System.getProperty("user.name"),
                null,
                null,
                sessionId,
                null,
                null,
                "cli",
                detail));
  }
}
