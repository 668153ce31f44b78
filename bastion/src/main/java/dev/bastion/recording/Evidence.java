package dev.bastion.recording;

import dev.bastion.audit.RecordingRemovals;
import dev.bastion.recorder.RecordingStore;
import dev.bastion.recorder.Seal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the audit log keeps of a recording that retention removes: its size and SHA-256 as sealed
 * (from the audit database, else from the seal), or as computed from the file when it was never
 * sealed.
 */
record Evidence(long size, String sha256, boolean sealed) {

  static Evidence of(RecordingRemovals.Recording recording, Path file) throws IOException {
    if (recording.sha256() != null && recording.size() != null) {
      return new Evidence(recording.size(), recording.sha256(), true);
    }
    Path sealFile = Seal.sealFileOf(file);
    if (Files.exists(sealFile)) {
      Seal seal = Seal.read(sealFile);
      return new Evidence(seal.size(), seal.sha256(), true);
    }
    return new Evidence(Files.size(file), RecordingStore.sha256(file), false);
  }

  String describe() {
    return size
        + " bytes, SHA-256 "
        + sha256
        + (sealed ? " (as sealed)" : " (computed at removal: it was never sealed)");
  }
}
