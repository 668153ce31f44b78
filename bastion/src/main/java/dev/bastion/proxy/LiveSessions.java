package dev.bastion.proxy;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The sessions running right now: admission (capacity overall and per identity, draining), and
 * ending them all at shutdown.
 */
public final class LiveSessions {
  /** Why a session was not admitted: the audit code and the line for the engineer. */
  record NotAdmitted(String code, String message) {}

  /** Told when a session is admitted and when it is gone (so the fleet can reach it meanwhile). */
  public interface Listener {
    Listener NONE =
        new Listener() {
          @Override
          public void started(ProxiedSession session) {}

          @Override
          public void ended(ProxiedSession session) {}
        };

    void started(ProxiedSession session);

    void ended(ProxiedSession session);
  }

  private final ConcurrentHashMap<String, ProxiedSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Integer> perIdentity = new HashMap<>(); // guarded by this
  // Ended sessions whose engineer's channel is still closing (guarded by this): awaitNone waits.
  private int closing;
  private final int capacity;
  private final int capacityPerIdentity;
  private volatile String refusal;
  private volatile Listener listener = Listener.NONE;

  public LiveSessions(int capacity, int capacityPerIdentity) {
    this.capacity = capacity;
    this.capacityPerIdentity = capacityPerIdentity;
  }

  /** Sets the one listener (called before any session starts; its calls must not block). */
  public void listen(Listener listener) {
    this.listener = listener;
  }

  /** Admits a session, or returns why not. */
  NotAdmitted admit(ProxiedSession session) {
    NotAdmitted refused = admitted(session);
    if (refused == null) {
      listener.started(session);
    }
    return refused;
  }

  private synchronized NotAdmitted admitted(ProxiedSession session) {
    String closed = refusal;
    if (closed != null) {
      return new NotAdmitted("shutting_down", closed);
    }
    if (sessions.size() >= capacity) {
      return new NotAdmitted(
          "bastion_full",
          "the bastion is at its limit of " + capacity + " sessions; try again later");
    }
    int mine = perIdentity.getOrDefault(session.identity(), 0);
    if (mine >= capacityPerIdentity) {
      return new NotAdmitted(
          "identity_session_limit",
          "you have "
              + mine
              + " sessions open, the limit per person (ssh.max_sessions_per_identity: "
              + capacityPerIdentity
              + "); end one and try again");
    }
    sessions.put(session.id(), session);
    perIdentity.merge(session.identity(), 1, Integer::sum);
    return null;
  }

  /**
   * Removes an ended session whose exit status is on its way to the engineer: {@link #awaitNone} (a
   * shutdown) also waits until the runnable given to {@code whenClosed} runs (the first time), so
   * that the SSH server is not stopped before the engineer's channel has closed.
   */
  void remove(ProxiedSession session, Consumer<Runnable> whenClosed) {
    synchronized (this) {
      closing++;
    }
    remove(session);
    AtomicBoolean once = new AtomicBoolean();
    whenClosed.accept(
        () -> {
          if (once.compareAndSet(false, true)) {
            closed();
          }
        });
  }

  private synchronized void closed() {
    closing--;
    if (closing == 0 && sessions.isEmpty()) {
      notifyAll(); // awaitNone
    }
  }

  void remove(ProxiedSession session) {
    boolean removed;
    synchronized (this) {
      removed = sessions.remove(session.id()) != null;
      if (removed) {
        perIdentity.computeIfPresent(session.identity(), (who, n) -> n == 1 ? null : n - 1);
        if (sessions.isEmpty() && closing == 0) {
          notifyAll(); // awaitNone
        }
      }
    }
    if (removed) {
      listener.ended(session);
    }
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

  /** Whether {@link #drain} was called: the bastion is shutting down and admits no session. */
  public boolean draining() {
    return refusal != null;
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

  /** From now on admits no session: each is refused with {@code reason}. */
  public void refuseNew(String reason) {
    refusal = reason;
  }

  /**
   * Waits until no session is live (nor any ended one's channel still closing), {@code patience} is
   * over, or {@code giveUp} says so when {@link #wake} is called; returns whether none is left.
   */
  public synchronized boolean awaitNone(Duration patience, BooleanSupplier giveUp)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while ((!sessions.isEmpty() || closing > 0) && !giveUp.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return sessions.isEmpty() && closing == 0;
  }

  /** Wakes {@link #awaitNone} to ask its {@code giveUp} again. */
  public synchronized void wake() {
    notifyAll();
  }

  /**
   * Refuses new sessions from now on and ends the open ones; waits up to {@code patience} for them.
   */
  public void drain(String reason, Duration patience) {
    refuseNew(reason);
    for (ProxiedSession session : all()) {
      session.terminate(reason);
    }
    try {
      awaitNone(patience, () -> false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
