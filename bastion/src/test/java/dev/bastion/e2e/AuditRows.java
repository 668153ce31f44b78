package dev.bastion.e2e;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import java.util.List;
import java.util.Optional;

/** Waits for the audit row a refusal or an ending must leave (rows are written asynchronously). */
public final class AuditRows {
  private AuditRows() {}

  /** The newest row of this kind and code for {@code identity}, within about ten seconds. */
  public static AuditEvent await(GatewayFixture gw, AuditKind kind, String code, String identity)
      throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 200; i++) {
      Optional<AuditEvent> found = find(reader.events(null, identity, 1000), kind, code);
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no audit row "
            + kind
            + "/"
            + code
            + " for "
            + identity
            + ": "
            + reader.events(null, null, 50));
  }

  public static Optional<AuditEvent> find(List<AuditEvent> events, AuditKind kind, String code) {
    return events.stream().filter(e -> e.kind() == kind && code.equals(e.code())).findFirst();
  }
}
