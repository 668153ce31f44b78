package dev.bastion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesStreamTest {
  @TempDir Path dir;

  private static AuditEvent event(String detail) {
    return new AuditEvent(
        Instant.now(), AuditKind.LOGIN_REFUSED, null, null, null, null, null, null, "x", detail);
  }

  @Test
  void fullQueueDropsAndCountsInsteadOfGrowing() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> written = new ArrayList<>();
    StreamFile slow =
        new StreamFile() {
          @Override
          public void append(byte[][] lines, int count) {
            writing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            for (int i = 0; i < count; i++) {
              written.add(new String(lines[i], StandardCharsets.UTF_8));
            }
          }

          @Override
          public void close() {}
        };
    JsonLinesStream stream = new JsonLinesStream(slow, "test", "n", 2);
    stream.publish(event("first"));
    assertTrue(writing.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 4; i++) {
      stream.publish(event("more " + i));
    }
    assertEquals(2, stream.dropped());
    release.countDown();
    stream.close();
    assertEquals(3, written.size(), written.toString());
    assertTrue(written.get(2).contains("more 1"), written.toString());
  }

  @Test
  void fileIsPrivateAndReopenedAfterItWasMovedAway() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    StreamFile out = StreamFile.open(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    out.append(new byte[][] {"one\n".getBytes(StandardCharsets.UTF_8)}, 1);
    Files.move(file, dir.resolve("audit.jsonl.1"));
    out.append(new byte[][] {"two\n".getBytes(StandardCharsets.UTF_8)}, 1);
    out.close();
    assertEquals(List.of("one"), Files.readAllLines(dir.resolve("audit.jsonl.1")));
    assertEquals(List.of("two"), Files.readAllLines(file));
  }

  @Test
  void writeFailureIsCountedAndTheStreamGoesOn() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    JsonLinesStream stream = JsonLinesStream.open(file.toString(), "n");
    Files.delete(file);
    Files.createDirectory(file); // the path now names a directory: the reopen fails
    stream.publish(event("lost"));
    AuditEvent after = event("after");
    for (int i = 0; i < 200 && stream.failed() == 0; i++) {
      Thread.sleep(50);
    }
    assertEquals(1, stream.failed());
    Files.delete(file);
    stream.publish(after);
    stream.close();
    List<String> lines = Files.readAllLines(file);
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("\"detail\":\"after\""), lines.toString());
  }

  @Test
  void unwritablePathNamesTheKey() {
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class,
            () -> {
              Files.writeString(dir.resolve("plain"), "");
              JsonLinesStream.open(dir.resolve("plain/audit.jsonl").toString(), "n");
            });
    assertTrue(e.getMessage().startsWith("audit.json_lines: cannot open "), e.getMessage());
  }
}
