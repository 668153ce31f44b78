package dev.bastion.testsupport;

/** The local account that test sshd logins land on. */
public final class LoginAccount {
  /** Name of the account the tests create when they run as root (as CI does). */
  public static final String TEST_USER = "bastiontest";

  private LoginAccount() {}

  /**
   * As root, makes sure {@value #TEST_USER} exists and is not locked and returns it; as anyone
   * else, returns the current user, since an unprivileged sshd can only log in as its own user.
   */
  public static synchronized String name() {
    String current = System.getProperty("user.name");
    if (!"root".equals(current)) {
      return current;
    }
    if (!ExternalCommand.of("id", "-u", TEST_USER).run().succeeded()) {
      ExternalCommand.of("useradd", "-m", "-s", "/bin/sh", TEST_USER).run().orThrow();
    }
    // '*' is "no password" rather than "locked" ('!'), which sshd refuses even for key logins.
    ExternalCommand.of("usermod", "-p", "*", TEST_USER).run().orThrow();
    return TEST_USER;
  }
}
