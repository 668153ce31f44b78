package dev.bastion.keys;

/**
 * A key, certificate or revocation file that cannot be used, with a message that says which and
 * why.
 */
public class KeyFileException extends RuntimeException {
  public KeyFileException(String message) {
    super(message);
  }

  public KeyFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
