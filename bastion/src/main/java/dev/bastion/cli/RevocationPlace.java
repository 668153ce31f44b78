package dev.bastion.cli;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.keys.RevocationList;
import dev.bastion.keys.Revocations;
import dev.bastion.revocation.RevocationTable;

/**
 * Where {@code cert revoke} and {@code cert revoked} keep revocations: the table every node shares
 * in the PostgreSQL database of the configuration's {@code database:}, else the file {@code
 * <data-dir>/revoked} that the one node reads.
 */
final class RevocationPlace implements AutoCloseable {
  private final Revocations revocations;
  private final AuditDatabase database; // null for the file

  private RevocationPlace(Revocations revocations, AuditDatabase database) {
    this.revocations = revocations;
    this.database = database;
  }

  /** From the global options: the configuration in force (if any) and the data directory. */
  static RevocationPlace of(BastionCommand root) {
    AuditPlace place = AuditPlace.of(root);
    if (place.server().isEmpty()) {
      return new RevocationPlace(new RevocationList(place.dataDir()), null);
    }
    AuditDatabase database = AuditDatabase.open(place.server(), place.dataDir());
    return new RevocationPlace(new RevocationTable(database), database);
  }

  Revocations revocations() {
    return revocations;
  }

  @Override
  public void close() {
    if (database != null) {
      database.close();
    }
  }
}
