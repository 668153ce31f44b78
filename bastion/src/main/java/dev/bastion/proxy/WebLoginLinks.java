package dev.bastion.proxy;

import dev.bastion.keys.CertifiedUser;

/** Issues the one-time web viewer link that {@code ssh ... web-login} prints. */
@FunctionalInterface
public interface WebLoginLinks {
  /** A fresh link (with its token) for this person, valid about a minute. */
  String linkFor(CertifiedUser user);
}
