package dev.bastion.keys;

import java.time.Instant;
import java.util.List;
import java.util.SortedMap;

/**
 * A person proven by a valid user certificate: the key id is who they are, the principals are their
 * role names, the extensions what their client may ask for.
 */
public record CertifiedUser(
    String identity,
    List<String> principals,
    long serial,
    String caFingerprint,
    String keyFingerprint,
    Instant validBefore,
    SortedMap<String, String> extensions) {

  public CertifiedUser {
    principals = List.copyOf(principals);
    extensions = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(extensions));
  }

  /** Whether the certificate permits e.g. {@code pty} ({@code permit-pty}). */
  public boolean permits(String what) {
    return extensions.containsKey("permit-" + what);
  }

  public String serialText() {
    return Long.toUnsignedString(serial);
  }
}
