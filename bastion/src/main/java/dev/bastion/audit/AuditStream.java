package dev.bastion.audit;

/**
 * Where audit events go besides the database, for log shippers. {@link AuditLog} hands over each
 * event on its writer thread, in database order, only after the database write succeeded; an
 * implementation must not block it.
 */
public interface AuditStream extends AutoCloseable {
  /** No stream configured. */
  AuditStream NONE = event -> {};

  /** Takes one event written to the database; never blocks, never throws. */
  void publish(AuditEvent event);

  /** Writes what is queued, then releases the output. */
  @Override
  default void close() {}
}
