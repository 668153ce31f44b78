package dev.bastion.server;

import dev.bastion.keys.CertifiedUser;
import org.apache.sshd.server.session.ServerSession;

/** Told of every accepted certificate login, on a MINA thread: it must not block. */
@FunctionalInterface
public interface LoginListener {
  void loggedIn(ServerSession session, String userName, CertifiedUser user);
}
