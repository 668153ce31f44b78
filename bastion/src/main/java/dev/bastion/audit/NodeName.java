package dev.bastion.audit;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The name of this node in the audit stream: the host's name. */
public final class NodeName {
  private NodeName() {}

  /** The host's name, {@code $HOSTNAME} if it cannot be resolved, else {@code localhost}. */
  public static String local() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "localhost" : env;
    }
  }
}
