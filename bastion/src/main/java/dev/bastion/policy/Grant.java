package dev.bastion.policy;

import dev.bastion.config.BastionConfig;
import java.util.List;

/**
 * Permission for one session: this person may log in to this target as this login, through these
 * roles.
 */
public record Grant(
    String identity, long serial, BastionConfig.Target target, String login, List<String> roles) {
  public Grant {
    roles = List.copyOf(roles);
  }
}
