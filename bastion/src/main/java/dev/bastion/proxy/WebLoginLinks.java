package dev.bastion.proxy;

import dev.bastion.keys.CertifiedUser;
import java.util.concurrent.CompletableFuture;

/** Issues the one-time web viewer link that {@code ssh ... web-login} prints. */
@FunctionalInterface
public interface WebLoginLinks {
  /**
   * A fresh link (with its token) for this person, valid about a minute on every node of the fleet;
   * completes once the fleet holds the token (never blocks the caller).
   */
  CompletableFuture<String> linkFor(CertifiedUser user);
}
