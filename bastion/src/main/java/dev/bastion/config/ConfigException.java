package dev.bastion.config;

/** A configuration that cannot be used; the message names the key and the value at fault. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
