package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * A map every node of the fleet reads and writes: Vert.x shared data, held by Hazelcast across the
 * fleet when the node's Vert.x is clustered, in this process when the node is alone. What it maps
 * are bearer secrets (login links, session cookies), so it is keyed by their SHA-256, never by the
 * secret: a member's memory or Hazelcast's view of the map holds nothing a browser could present.
 * Every entry has a time to live, so the map cleans itself even when no node asks for it again.
 */
final class FleetMap {
  private final Vertx vertx;
  private final String name;

  FleetMap(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
  }

  /** Keeps {@code value} for {@code secret}, for {@code ttl} at most (at least a millisecond). */
  Future<Void> put(String secret, JsonObject value, Duration ttl) {
    return map().compose(m -> m.put(key(secret), value, Math.max(1, ttl.toMillis())));
  }

  /** What {@code secret} stands for, or null. */
  Future<JsonObject> get(String secret) {
    return map().compose(m -> m.get(key(secret)));
  }

  /**
   * Removes {@code secret} and returns what it stood for (null when nothing): atomic across the
   * fleet, so of two nodes taking the same secret only one gets it.
   */
  Future<JsonObject> take(String secret) {
    return map().compose(m -> m.remove(key(secret)));
  }

  /** How many entries the fleet holds. */
  Future<Integer> size() {
    return map().compose(AsyncMap::size);
  }

  /** Every entry, by hashed key (a copy: for sweeps over a map of modest size). */
  Future<Map<String, JsonObject>> entries() {
    return map().compose(AsyncMap::entries);
  }

  /** Removes the entry under {@code hashedKey} (from {@link #entries()}); whether it was there. */
  Future<Boolean> drop(String hashedKey) {
    return map().compose(m -> m.remove(hashedKey)).map(removed -> removed != null);
  }

  /** The key a secret is kept under: its SHA-256, base64url. */
  static String key(String secret) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /**
   * The map, looked up on the caller's context (each time: a cheap lookup) so that answers come
   * back on the caller's event loop.
   */
  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getAsyncMap(name);
  }
}
