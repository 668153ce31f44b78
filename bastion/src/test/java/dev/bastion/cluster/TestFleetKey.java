package dev.bastion.cluster;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;

/** Fleet keys for tests that form fleets in one JVM. */
public final class TestFleetKey {
  /** The key of the test fleet: nodes joined with it trust each other. */
  public static final FleetKey KEY = other();

  private TestFleetKey() {}

  /** The key of another fleet (other CA keys). */
  public static FleetKey other() {
    try {
      return FleetKey.derive(
          KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
