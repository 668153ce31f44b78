package dev.bastion.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

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

  /** As the nodes of a fleet keep it in their shared maps. */
  JsonObject json() {
    return new JsonObject()
        .put("identity", identity)
        .put("serial", serial)
        .put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("rights", new JsonArray(rights.stream().map(WebRight::word).sorted().toList()))
        .put("expires_at", expiresAt.toString());
  }

  /** The user {@link #json()} wrote. */
  static WebUser of(JsonObject json) {
    return new WebUser(
        json.getString("identity"),
        json.getString("serial"),
        json.getJsonArray("roles").stream().map(String.class::cast).collect(Collectors.toSet()),
        json.getJsonArray("rights").stream()
            .map(word -> WebRight.named((String) word).orElseThrow())
            .collect(Collectors.toSet()),
        Instant.parse(json.getString("expires_at")));
  }
}
