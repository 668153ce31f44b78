package dev.bastion.audit;

/** The audit database cannot be opened, written or read. */
public class AuditException extends RuntimeException {
  public AuditException(String message) {
    super(message);
  }

  public AuditException(String message, Throwable cause) {
    super(message, cause);
  }
}
