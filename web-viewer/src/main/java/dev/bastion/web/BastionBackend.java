package dev.bastion.web;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the web viewer needs from the rest of the bastion, and nothing more. Methods may block
 * (database, disk); the web server calls them off its event loops.
 */
public interface BastionBackend {
  /** Sessions, newest first; {@code state} is "live", "ended" or null for both. */
  List<SessionView> sessions(String state, int limit);

  Optional<SessionView> session(String id);

  /** Ends a live session within a second, telling the engineer who ended it and why. */
  boolean terminate(String id, String byIdentity, String reason);

  /** The recording file of a session, if it has one. */
  Optional<Path> recording(String id);

  /** Audit events, oldest first, as flat maps (at, kind, identity, ...). */
  List<Map<String, Object>> auditEvents(Instant since, String identity, int limit);

  /** Records what web users do: watching, replaying, terminating (logins: {@link #webLogin}). */
  void audit(String kind, String identity, String sessionId, String detail);

  /**
   * Writes the {@code web_login} row of a web session about to start, {@code method} ({@code link}
   * or {@code oidc}) in its code; called off the event loop, returns only once written and fails if
   * it cannot be.
   */
  void webLogin(WebUser user, String method, String detail);

  /** Puts a marker into a live session's recording (a viewer joined or left). */
  void marker(String sessionId, String text);

  /** Who is watching a session right now (present: answering pings), after every change. */
  void watchersChanged(String sessionId, List<WebUser> watching);

  /** Declines a session's pending approval request; false if it has none or the user may not. */
  boolean decline(String sessionId, WebUser by, String reason);
}
