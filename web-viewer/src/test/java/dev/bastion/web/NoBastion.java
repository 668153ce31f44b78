package dev.bastion.web;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A bastion with no sessions and no audit events (it keeps web logins), for tests of the web server
 * alone.
 */
final class NoBastion implements BastionBackend {
  /** The web_login rows written: "method identity: detail". */
  final List<String> logins = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public List<SessionView> sessions(String state, int limit) {
    return List.of();
  }

  @Override
  public Optional<SessionView> session(String id) {
    return Optional.empty();
  }

  @Override
  public boolean terminate(String id, String byIdentity, String reason) {
    return false;
  }

  @Override
  public Optional<Path> recording(String id) {
    return Optional.empty();
  }

  @Override
  public List<Map<String, Object>> auditEvents(Instant since, String identity, int limit) {
    return List.of();
  }

  @Override
  public void audit(String kind, String identity, String sessionId, String detail) {}

  @Override
  public void webLogin(WebUser user, String method, String detail) {
    logins.add(method + " " + user.identity() + ": " + detail);
  }

  @Override
  public void marker(String sessionId, String text) {}

  @Override
  public void watchersChanged(String sessionId, List<WebUser> watching) {}

  @Override
  public boolean decline(String sessionId, WebUser by, String reason) {
    return false;
  }
}
