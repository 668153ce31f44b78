package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationListTest {
  @TempDir Path dataDir;

  @Test
  void revocationsPersistAndAreSeenByAnotherInstanceAtOnce() {
    RevocationList server = new RevocationList(dataDir);
    assertTrue(server.find(42, "alice").isEmpty());

    RevocationList cli = new RevocationList(dataDir);
    assertTrue(cli.add(Revocation.serial(42, Instant.parse("2026-11-21T12:00:00Z"))));
    assertTrue(
        cli.add(Revocation.identity("mallory@example.com", Instant.parse("2026-11-21T12:01:00Z"))));

    assertEquals(Revocation.Kind.SERIAL, server.find(42, "alice").orElseThrow().kind());
    assertEquals(
        Revocation.Kind.IDENTITY, server.find(7, "mallory@example.com").orElseThrow().kind());
    assertTrue(server.find(7, "alice").isEmpty());
    assertEquals(2, new RevocationList(dataDir).entries().size());
  }

  @Test
  void unsignedSerialsAboveTheSignedRangeRoundTrip() {
    RevocationList list = new RevocationList(dataDir);
    list.add(Revocation.serial(-1L, Instant.now()));
    assertEquals("18446744073709551615", new RevocationList(dataDir).entries().get(0).value());
    assertTrue(new RevocationList(dataDir).find(-1L, "x").isPresent());
  }

  @Test
  void revokingTwiceKeepsOneEntry() {
    RevocationList list = new RevocationList(dataDir);
    assertTrue(list.add(Revocation.identity("bob", Instant.now())));
    assertFalse(list.add(Revocation.identity("bob", Instant.now())));
    assertEquals(1, list.entries().size());
  }

  @Test
  void damagedFileIsAnErrorNamingTheLineNeverAnEmptyList() throws Exception {
    RevocationList list = new RevocationList(dataDir);
    list.add(Revocation.serial(1, Instant.now()));
    Files.writeString(list.file(), "serial\tyesterday\t5\n", StandardOpenOption.APPEND);
    KeyFileException e =
        assertThrows(KeyFileException.class, () -> new RevocationList(dataDir).find(1, "x"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void anyIdentityCanBeRevokedAndIsReadBackExactly() {
    // Certificates from other trusted CAs may carry tabs, line breaks or % in their key id; each
    // must be revocable by identity without forging or damaging another line (issue 11, #10).
    java.util.List<String> identities =
        java.util.List.of(
            "alice\tadmin", "a\nserial\t2026-11-21T12:00:00Z\t5", "100%\r", "%41", "tab\t%09 é");
    RevocationList list = new RevocationList(dataDir);
    for (String identity : identities) {
      assertTrue(list.add(Revocation.identity(identity, Instant.now())), identity);
      assertFalse(list.add(Revocation.identity(identity, Instant.now())), identity);
    }
    RevocationList server = new RevocationList(dataDir);
    for (String identity : identities) {
      assertEquals(identity, server.find(1, identity).orElseThrow().value());
    }
    assertTrue(server.find(5, "alice").isEmpty(), "no serial 5 revocation was forged");
    assertTrue(server.find(1, "A").isEmpty());
    assertTrue(server.find(1, "alice").isEmpty());
    assertEquals(identities.size(), server.entries().size());
  }

  @Test
  void listsWrittenInTheFormerFormatKeepTheirMeaning() throws Exception {
    Files.writeString(
        dataDir.resolve("revoked"),
        "serial\t2026-11-21T12:00:00Z\t42\nidentity\t2026-11-21T12:01:00Z\tbob%41 x\n");
    RevocationList list = new RevocationList(dataDir);
    assertTrue(list.find(42, "x").isPresent());
    assertEquals("bob%41 x", list.find(1, "bob%41 x").orElseThrow().value());
    assertTrue(list.add(Revocation.identity("carol", Instant.now())));
    assertEquals(3, new RevocationList(dataDir).entries().size());
  }

  @Test
  void theListIsReadableByTheBastionsUserOnly() throws Exception {
    new RevocationList(dataDir).add(Revocation.serial(1, Instant.now()));
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dataDir.resolve("revoked"))));
  }
}
