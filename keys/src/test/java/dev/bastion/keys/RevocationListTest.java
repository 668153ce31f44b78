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
  void identitiesWithLineBreaksCannotBeWrittenIntoTheList() {
    RevocationList list = new RevocationList(dataDir);
    assertThrows(
        IllegalArgumentException.class,
        () -> list.add(Revocation.identity("a\nserial", Instant.now())));
  }
}
