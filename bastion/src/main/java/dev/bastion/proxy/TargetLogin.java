package dev.bastion.proxy;

import java.util.Optional;

/**
 * What an SSH user name {@code LOGIN@TARGET} asks for, split at the last {@code @} (a login may
 * hold one; OpenSSH splits {@code ssh deploy@web01@bastion} the same way).
 */
record TargetLogin(String login, String target) {
  /** Empty for a name without {@code @}: that engineer runs the bastion's own commands. */
  static Optional<TargetLogin> of(String userName) {
    int at = userName.lastIndexOf('@');
    return at < 0
        ? Optional.empty()
        : Optional.of(new TargetLogin(userName.substring(0, at), userName.substring(at + 1)));
  }
}
