package dev.bastion.cli;

/** A refused or failed operation: printed as {@code bastion: <message>}, exit status 1. */
public class CommandFailedException extends RuntimeException {
  public CommandFailedException(String message) {
    super(message);
  }

  public CommandFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
