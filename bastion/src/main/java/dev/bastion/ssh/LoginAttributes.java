package dev.bastion.ssh;

import dev.bastion.keys.CertifiedUser;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/** What the bastion keeps on an engineer's SSH connection once they are logged in. */
public final class LoginAttributes {
  /** The person proven by their certificate; set only after the signature was verified. */
  public static final AttributeKey<CertifiedUser> USER = new AttributeKey<>();

  private LoginAttributes() {}
}
