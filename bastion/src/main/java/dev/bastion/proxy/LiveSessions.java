package dev.bastion.proxy;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions running right now: admission (capacity, draining), and ending them all at shutdown.
 */
public final class LiveSessions {
  private final ConcurrentHashMap<String, ProxiedSession> sessions = new ConcurrentHashMap<>();
  private final int capacity;
  private volatile String refusal;

  public LiveSessions(int capacity) {
    this.capacity = capacity;
  }

  /** Admits a session, or returns why not. */
  String admit(ProxiedSession session) {
    String closed = refusal;
    if (closed != null) {
      return closed;
    }
    if (sessions.size() >= capacity) {
      return "the bastion is at its limit of " + capacity + " sessions; try again later";
    }
    sessions.put(session.id(), session);
    return null;
  }

  void remove(ProxiedSession session) {
    sessions.remove(session.id());
  }

  public Collection<ProxiedSession> all() {
    return List.copyOf(sessions.values());
  }

  public java.util.Optional<ProxiedSession> get(String id) {
    return java.util.Optional.ofNullable(sessions.get(id));
  }

  public int count() {
    return sessions.size();
  }

  /** Ends the sessions of one identity (after a revocation), telling them why. */
  public int endSessionsOf(String identity, String reason) {
    int ended = 0;
    for (ProxiedSession session : all()) {
      if (session.identity().equals(identity)) {
        session.terminate(reason);
        ended++;
      }
    }
    return ended;
  }

  /**
   * Refuses new sessions from now on and ends the open ones; waits up to {@code patience} for them.
   */
  public void drain(String reason, Duration patience) {
    refusal = reason;
    for (ProxiedSession session : all()) {
      session.terminate(reason);
    }
    Instant deadline = Instant.now().plus(patience);
    while (!sessions.isEmpty() && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
