package dev.bastion.web;

import java.time.Instant;
import java.util.Set;

/** Someone logged in to the web viewer: who, with which roles and rights, until when. */
public record WebUser(
    String identity, String serial, Set<String> roles, Set<WebRight> rights, Instant expiresAt) {
  public WebUser {
    roles = Set.copyOf(roles);
    rights = Set.copyOf(rights);
  }

  public boolean can(WebRight right) {
    return rights.contains(right);
  }
}
