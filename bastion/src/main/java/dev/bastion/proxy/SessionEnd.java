package dev.bastion.proxy;

import java.util.function.Consumer;

/**
 * How a session ended: what the audit log says (exit status or signal, and why) and what the
 * engineer's channel is told.
 */
record SessionEnd(Integer status, String signal, String reason, Consumer<ClientChannel> toClient) {

  /** The target's process exited. */
  static SessionEnd exited(int status) {
    return new SessionEnd(status, null, "exited", client -> client.exit(status));
  }

  /** The target's process was killed by a signal. */
  static SessionEnd killed(String signal) {
    return new SessionEnd(
        null, signal, "killed by signal " + signal, client -> client.exitBySignal(signal));
  }

  /** The bastion ended it (operator, revocation, shutdown); the engineer was already told why. */
  static SessionEnd terminated(String reason) {
    return new SessionEnd(255, null, reason, client -> client.exit(255));
  }

  /** It never started: one line to the engineer, exit 1. */
  static SessionEnd refused(String message) {
    return new SessionEnd(1, null, message, client -> client.refuse(message, 1));
  }

  /** The target went away without an exit status. */
  static SessionEnd lost(String why) {
    return new SessionEnd(255, null, why, client -> client.refuse(why, 255));
  }

  /** The engineer's side went away: nobody to tell. */
  static SessionEnd clientGone() {
    return new SessionEnd(null, null, "client disconnected", client -> {});
  }

  /** How a session whose target channel closed ended, bastion termination first. */
  static SessionEnd ofTarget(
      Integer status, String signal, String terminatedFor, String targetName) {
    if (terminatedFor != null) {
      return terminated(terminatedFor);
    } else if (signal != null) {
      return killed(signal);
    } else if (status != null) {
      return exited(status);
    }
    return lost("connection to target " + targetName + " lost");
  }

  /** The audit log's code for it. */
  String code() {
    return signal != null ? "signal" : status == null ? "disconnected" : "exit";
  }
}
