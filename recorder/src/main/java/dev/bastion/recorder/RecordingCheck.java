package dev.bastion.recorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;

/** Checks a recording against its seal (and the digest the audit database holds, if given). */
public final class RecordingCheck {
  private RecordingCheck() {}

  /** The verdict on one recording: null problem means intact. */
  public record Result(String name, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  /**
   * Checks {@code cast} ({@code .cast} or {@code .cast.zst}) against the seal beside it, byte for
   * byte as it is on disk; {@code expectedSha256} is the audit database's digest, if any.
   */
  public static Result check(String name, Path cast, PublicKey key, String expectedSha256) {
    if (!Files.exists(cast)) {
      return new Result(name, "recording is missing (" + cast + ")");
    }
    Path sealFile = Seal.sealFileOf(cast);
    Seal seal;
    try {
      seal = Seal.read(sealFile);
    } catch (NoSuchFileException e) {
      return new Result(
          name, "seal is missing (" + sealFile.getFileName() + "); the session may still be live");
    } catch (IOException e) {
      return new Result(name, "seal is unreadable: " + e.getMessage());
    }
    if (!seal.signatureValid(key)) {
      return new Result(
          name,
          "seal signature is not valid for the recording key; the seal was forged or altered");
    }
    if (!seal.file().equals(cast.getFileName().toString())) {
      return new Result(name, "seal belongs to " + seal.file() + ", not to this file");
    }
    String format = RecordingFormat.of(cast).label();
    if (!format.equals(seal.formatLabel())) {
      return new Result(
          name,
          "seal names the format "
              + seal.formatLabel()
              + " but "
              + cast.getFileName()
              + " is "
              + format);
    }
    try {
      long size = Files.size(cast);
      if (size < seal.size()) {
        return new Result(
            name, "recording was truncated: " + size + " bytes, sealed with " + seal.size());
      }
      if (size > seal.size()) {
        return new Result(
            name, "recording was extended: " + size + " bytes, sealed with " + seal.size());
      }
      String actual = RecordingStore.sha256(cast);
      if (!actual.equals(seal.sha256())) {
        return new Result(
            name,
            "recording was altered: SHA-256 "
                + actual
                + " differs from the sealed "
                + seal.sha256());
      }
    } catch (IOException e) {
      return new Result(name, "recording is unreadable: " + e.getMessage());
    }
    if (expectedSha256 != null && !expectedSha256.equals(seal.sha256())) {
      return new Result(
          name,
          "seal does not match the audit database (SHA-256 "
              + expectedSha256
              + "); recording and seal were replaced");
    }
    return new Result(name, null);
  }
}
