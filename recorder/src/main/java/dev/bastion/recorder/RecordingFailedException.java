package dev.bastion.recorder;

/** A recording could not be written (disk full, I/O error); in strict mode the session must end. */
public class RecordingFailedException extends RuntimeException {
  public RecordingFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
