package dev.bastion.proxy;

/** What the client asked for on a session channel. */
public enum SessionKind {
  SHELL,
  EXEC,
  SFTP;

  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
