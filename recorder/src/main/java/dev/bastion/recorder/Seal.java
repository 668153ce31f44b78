package dev.bastion.recorder;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

/**
 * {@code <file name>.seal} beside a recording: the size and SHA-256 of the bytes on disk, the
 * format they are in, the session and when it was sealed, signed with the recording key (Ed25519
 * over {@link #signedText()}). Version 1 seals (before issue 14) have no format: they seal plain
 * {@code .cast} files and keep verifying.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Seal(
    @JsonProperty("version") int version,
    @JsonProperty("session_id") String sessionId,
    @JsonProperty("file") String file,
    @JsonProperty("format") String format,
    @JsonProperty("size") long size,
    @JsonProperty("sha256") String sha256,
    @JsonProperty("sealed_at") String sealedAt,
    @JsonProperty("interrupted") boolean interrupted,
    @JsonProperty("signature") String signature) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The version new seals are written in. */
  public static final int VERSION = 2;

  /**
   * The exact text the signature covers, one field per line (v2 adds the format after the file).
   */
  public String signedText() {
    return (version == 1 ? "bastion-recording-seal-v1\n" : "bastion-recording-seal-v2\n")
        + sessionId
        + "\n"
        + file
        + "\n"
        + (version == 1 ? "" : format + "\n")
        + size
        + "\n"
        + sha256
        + "\n"
        + sealedAt
        + "\n"
        + interrupted
        + "\n";
  }

  public static Seal sign(
      SessionRecording.Sealable done, Instant at, boolean interrupted, PrivateKey key) {
    Seal unsigned =
        new Seal(
            VERSION,
            done.sessionId(),
            done.file().getFileName().toString(),
            RecordingFormat.of(done.file()).label(),
            done.size(),
            done.sha256(),
            at.toString(),
            interrupted,
            null);
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(unsigned.signedText().getBytes(StandardCharsets.UTF_8));
      String signature = Base64.getEncoder().encodeToString(signer.sign());
      return new Seal(
          VERSION,
          unsigned.sessionId,
          unsigned.file,
          unsigned.format,
          unsigned.size,
          unsigned.sha256,
          unsigned.sealedAt,
          interrupted,
          signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign seal: " + e.getMessage(), e);
    }
  }

  /**
   * The label of the format the seal names; a version 1 seal names none and sealed plain asciicast.
   */
  public String formatLabel() {
    return version == 1 ? RecordingFormat.PLAIN.label() : format;
  }

  public boolean signatureValid(PublicKey key) {
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(signedText().getBytes(StandardCharsets.UTF_8));
      return signature != null && verifier.verify(Base64.getDecoder().decode(signature));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Path of the seal beside a recording. */
  public static Path sealFileOf(Path cast) {
    return cast.resolveSibling(cast.getFileName() + ".seal");
  }

  /** Writes the seal beside the recording (atomically: temp file, fsync, rename). */
  public void writeBeside(Path cast) throws IOException {
    Path target = sealFileOf(cast);
    // A name of its own: two nodes sealing the same recording at once never share a temp file.
    Path tmp =
        target.resolveSibling(target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    try (var channel =
        java.nio.channels.FileChannel.open(
            tmp,
            java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE),
            OwnerOnly.FILE)) {
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(this));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    Files.move(
        tmp,
        target,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  public static Seal read(Path sealFile) throws IOException {
    return JSON.readValue(sealFile.toFile(), Seal.class);
  }
}
