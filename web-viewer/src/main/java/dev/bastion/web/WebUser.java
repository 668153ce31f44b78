package dev.bastion.web;

import java.time.Instant;
import java.util.Set;

/** Someone logged in to the web viewer: who, with which rights, until when. */
public record WebUser(
    String identity, String serial, Set<String> roles, Set<String> rights, Instant expiresAt) {
  public static final String SHADOW = "shadow";
  public static final String TERMINATE = "terminate";
  public static final String REPLAY = "replay";
  public static final String AUDIT = "audit";
  public static final String APPROVE = "approve";

  public WebUser {
    roles = Set.copyOf(roles);
    rights = Set.copyOf(rights);
  }

  public boolean can(String right) {
    return rights.contains(right);
  }
}
