package dev.bastion.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bastion.audit.AuditDatabase;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node outside its fleet is not ready, and says so in the load balancer's terms. */
class ReadinessTest {
  @TempDir Path dir;

  @Test
  void aNodeThatIsNotInItsFleetIsNotReady() {
    try (AuditDatabase database = AuditDatabase.open(Optional.empty(), dir)) {
      AtomicBoolean joined = new AtomicBoolean(true);
      Readiness readiness =
          new Readiness(
              database, dir.resolve("recordings"), () -> false, joined::get, Optional::empty);
      assertEquals(List.of(), readiness.notReady());
      joined.set(false);
      assertEquals(List.of("cluster: not joined"), readiness.notReady());

      Readiness stopping =
          new Readiness(
              database,
              dir.resolve("recordings"),
              () -> false,
              () -> {
                throw new IllegalStateException("Hazelcast instance is not active!");
              },
              Optional::empty);
      assertEquals(List.of("cluster: not joined"), stopping.notReady());
    }
  }
}
