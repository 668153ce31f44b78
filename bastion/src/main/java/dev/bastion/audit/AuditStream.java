package dev.bastion.audit;

/**
 * Where audit events go besides the database, for log shippers. {@link AuditLog} hands over each
 * event on its writer thread, in database order, only after the database write succeeded; an
 * implementation must not block it.
 */
public interface AuditStream extends AutoCloseable {
  /** No stream configured. */
  AuditStream NONE = event -> {};

  /** Every event to each of {@code streams}, in order; closing closes them all. */
  static AuditStream all(java.util.List<AuditStream> streams) {
    if (streams.isEmpty()) {
      return NONE;
    }
    if (streams.size() == 1) {
      return streams.get(0);
    }
    java.util.List<AuditStream> each = java.util.List.copyOf(streams);
    return new AuditStream() {
      @Override
      public void publish(AuditEvent event) {
        for (AuditStream stream : each) {
          stream.publish(event);
        }
      }

      @Override
      public void close() {
        for (AuditStream stream : each) {
          stream.close();
        }
      }
    };
  }

  /** Takes one event written to the database; never blocks, never throws. */
  void publish(AuditEvent event);

  /** Writes what is queued, then releases the output. */
  @Override
  default void close() {}
}
