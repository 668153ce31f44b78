package dev.bastion.keys;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where revocations are kept: the file {@code <data-dir>/revoked} of one node ({@link
 * RevocationList}), or the database every node of a fleet shares. Logins, sessions and web sign-ins
 * look them up through this; {@code bastion cert revoke} and {@code cert revoked} add and list.
 */
public interface Revocations {
  /**
   * The revocations as they are now, for checking many certificates in one sweep; a {@link
   * KeyFileException} when they cannot be read (which refuses everyone rather than no one).
   */
  Lookup current();

  /** The revocation that covers this serial or identity, if any. */
  default Optional<Revocation> find(long serial, String identity) {
    return current().find(serial, identity);
  }

  /** All revocations, oldest first. */
  List<Revocation> entries();

  /** Adds a revocation; returns false when the same serial or identity was already revoked. */
  boolean add(Revocation revocation);

  /** Revocations by serial and by identity; the first revocation of each value wins. */
  final class Lookup {
    private final Map<String, Revocation> bySerial = new HashMap<>();
    private final Map<String, Revocation> byIdentity = new HashMap<>();

    public Lookup(List<Revocation> entries) {
      for (Revocation r : entries) {
        (r.kind() == Revocation.Kind.SERIAL ? bySerial : byIdentity).putIfAbsent(r.value(), r);
      }
    }

    /** How many serials and identities are revoked. */
    public int size() {
      return bySerial.size() + byIdentity.size();
    }

    /** Whether this very serial or identity is revoked (whenever and however). */
    public boolean holds(Revocation r) {
      return (r.kind() == Revocation.Kind.SERIAL ? bySerial : byIdentity).containsKey(r.value());
    }

    /** The revocation that covers this serial or identity (a serial first), if any. */
    public Optional<Revocation> find(long serial, String identity) {
      Revocation hit = bySerial.get(Long.toUnsignedString(serial));
      return Optional.ofNullable(hit != null ? hit : byIdentity.get(identity));
    }

    /**
     * The revocation of this identity, if any; for logins without a certificate (single sign-on),
     * which no revocation by serial can match.
     */
    public Optional<Revocation> findIdentity(String identity) {
      return Optional.ofNullable(byIdentity.get(identity));
    }
  }
}
