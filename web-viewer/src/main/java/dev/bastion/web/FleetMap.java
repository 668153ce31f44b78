package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A map every node of the fleet reads and writes: Vert.x shared data, held by Hazelcast across the
 * fleet when the node's Vert.x is clustered, in this process when the node is alone. What it maps
 * are bearer secrets (login links, session cookies), so it is keyed by their HMAC-SHA-256 under the
 * fleet's own key ({@link #KEY_HOLDER}, derived from the CA keys every node has), never by the
 * secret: a member's memory or Hazelcast's view of the map holds nothing a browser could present,
 * and a stranger who reaches Hazelcast's port can write entries but none that any cookie or link
 * leads to, so it cannot make itself a web session. Every entry has a time to live, so the map
 * cleans itself even when no node asks for it again.
 */
public final class FleetMap {
  /**
   * The local map of this node's Vert.x that holds the fleet's key for map keys ({@code "key"}, a
   * Buffer), put there by the node when it joins or starts alone.
   */
  public static final String KEY_HOLDER = "bastion.fleet";

  private final Vertx vertx;
  private final String name;
  private final byte[] macKey;

  FleetMap(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
    this.macKey = keyOf(vertx);
  }

  /** The fleet's key held by {@code vertx}; a random one, for this node only, when none is set. */
  private static byte[] keyOf(Vertx vertx) {
    io.vertx.core.shareddata.LocalMap<String, io.vertx.core.buffer.Buffer> holder =
        vertx.sharedData().getLocalMap(KEY_HOLDER);
    byte[] fresh = new byte[32];
    new java.security.SecureRandom().nextBytes(fresh);
    return holder.computeIfAbsent("key", k -> io.vertx.core.buffer.Buffer.buffer(fresh)).getBytes();
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

  /** The key a secret is kept under: its HMAC-SHA-256 under the fleet's key, base64url. */
  String key(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
      byte[] digest = mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("every Java has HMAC-SHA-256", e);
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
