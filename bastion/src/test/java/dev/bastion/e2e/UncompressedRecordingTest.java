package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.SessionRecord;
import dev.bastion.recorder.RecordingKey;
import dev.bastion.recorder.Seal;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recording.compression: none} writes plain {@code .cast} files as before issue 14, and a
 * recording sealed the old way (seal version 1, no format) still verifies and plays.
 */
class UncompressedRecordingTest {
  @TempDir Path dir;
  GatewayFixture gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void plainRecordingsAndVersionOneSealsStillVerifyAndPlay() throws Exception {
    gw = GatewayFixture.start(dir, "", "recording:\n  compression: none\n");
    assertEquals(0, gw.ssh(gw.onTarget(), null, "echo plain-recording").exitCode());
    SessionRecord session = gw.awaitSealed(s -> "echo plain-recording".equals(s.command()));
    Path cast = gw.dataDir.resolve(session.recordingPath());
    assertEquals(session.id() + ".cast", cast.getFileName().toString());
    List<String> lines = Files.readAllLines(cast, StandardCharsets.UTF_8);
    assertTrue(lines.get(0).startsWith("{\"version\":2"), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.contains("plain-recording")), lines.toString());
    Seal seal = Seal.read(Seal.sealFileOf(cast));
    assertEquals("asciicast-v2", seal.format());

    // The same file sealed as before issue 14: version 1, no format in the seal or signed text.
    PrivateKey key = RecordingKey.loadOrCreate(gw.bastion.cas().directory()).getPrivate();
    Seal v1 = signedV1(seal, key);
    v1.writeBeside(cast);
    assertTrue(!Files.readString(Seal.sealFileOf(cast)).contains("format"));

    CommandResult verify = bastion("recordings", "verify", cast.toString());
    assertEquals(0, verify.exitCode(), verify.toString());
    assertEquals("ok      " + session.id() + "  " + cast, verify.stdout().strip());
    CommandResult play = bastion("play", cast.toString(), "--speed", "100");
    assertEquals(0, play.exitCode(), play.toString());
    assertEquals("plain-recording\n", play.stdout());
  }

  private static Seal signedV1(Seal v2, PrivateKey key) throws Exception {
    Seal unsigned =
        new Seal(
            1, v2.sessionId(), v2.file(), null, v2.size(), v2.sha256(), v2.sealedAt(), false, null);
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(key);
    signer.update(unsigned.signedText().getBytes(StandardCharsets.UTF_8));
    assertTrue(unsigned.signedText().startsWith("bastion-recording-seal-v1\n"));
    return new Seal(
        1,
        v2.sessionId(),
        v2.file(),
        null,
        v2.size(),
        v2.sha256(),
        v2.sealedAt(),
        false,
        Base64.getEncoder().encodeToString(signer.sign()));
  }

  private CommandResult bastion(String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("java", "-cp", System.getProperty("java.class.path"), "dev.bastion.Main"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--data-dir", gw.dataDir.toString()));
    return ExternalCommand.of(cmd).run();
  }
}
