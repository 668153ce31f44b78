package dev.bastion.approval;

import dev.bastion.config.BastionConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The four-eyes rule for one session: it may run only while at least {@code count} approvers are
 * watching it live. Approvers are watchers holding one of the {@code from} roles, never the
 * requester. The gate turns watcher changes, a decline and the timeout into transitions and tells
 * its {@link Listener}; nothing here blocks.
 */
public final class ApprovalGate {
  public enum State {
    WAITING,
    OPEN,
    PAUSED,
    CLOSED
  }

  /** What the session does on each transition. */
  public interface Listener {
    void approved(List<String> approvers);

    void paused(List<String> remaining);

    void resumed(List<String> approvers);

    void approverLeft(List<String> remaining);

    void declined(String by, String reason);

    void expired();
  }

  /** One person watching: identity and the roles of their certificate. */
  public record Watcher(String identity, Set<String> roles) {}

  private final BastionConfig.Approval policy;
  private final String requester;
  private final Listener listener;
  private final Instant since;
  private State state = State.WAITING;
  private List<String> approvers = List.of();
  private final List<Runnable> whenOpen = new ArrayList<>();

  public ApprovalGate(
      BastionConfig.Approval policy, String requester, Instant since, Listener listener) {
    this.policy = policy;
    this.requester = requester;
    this.since = since;
    this.listener = listener;
  }

  public BastionConfig.Approval policy() {
    return policy;
  }

  public String requester() {
    return requester;
  }

  public Instant since() {
    return since;
  }

  public synchronized State state() {
    return state;
  }

  public synchronized List<String> approvers() {
    return approvers;
  }

  /** The people watching changed. */
  public void watchers(List<Watcher> watching) {
    TreeSet<String> qualified = new TreeSet<>();
    for (Watcher w : watching) {
      if (!w.identity().equals(requester) && w.roles().stream().anyMatch(policy.from()::contains)) {
        qualified.add(w.identity());
      }
    }
    List<String> now = List.copyOf(qualified);
    boolean enough = now.size() >= policy.count();
    Runnable notify = null;
    List<Runnable> release = List.of();
    synchronized (this) {
      approvers = now;
      switch (state) {
        case WAITING -> {
          if (enough) {
            state = State.OPEN;
            notify = () -> listener.approved(now);
          }
        }
        case OPEN -> {
          if (!enough) {
            if (policy.onLeave() == BastionConfig.OnLeave.PAUSE) {
              state = State.PAUSED;
              notify = () -> listener.paused(now);
            } else {
              state = State.CLOSED;
              notify = () -> listener.approverLeft(now);
            }
          }
        }
        case PAUSED -> {
          if (enough) {
            state = State.OPEN;
            release = List.copyOf(whenOpen);
            whenOpen.clear();
            notify = () -> listener.resumed(now);
          }
        }
        default -> {
          // closed: nothing changes any more
        }
      }
    }
    if (notify != null) {
      notify.run();
    }
    release.forEach(Runnable::run);
  }

  /** An approver declines the pending request; false if it is not pending. */
  public boolean decline(String by, String reason) {
    synchronized (this) {
      if (state != State.WAITING) {
        return false;
      }
      state = State.CLOSED;
    }
    listener.declined(by, reason);
    return true;
  }

  /** The requester gives up on a pending request; false if it is not pending any more. */
  public synchronized boolean cancel() {
    if (state != State.WAITING) {
      return false;
    }
    state = State.CLOSED;
    return true;
  }

  /** Called when {@code timeout} has passed since the request. */
  public void timeout() {
    synchronized (this) {
      if (state != State.WAITING) {
        return;
      }
      state = State.CLOSED;
    }
    listener.expired();
  }

  /** Ends the gate (the session ended or was cancelled). */
  public synchronized void close() {
    state = State.CLOSED;
    whenOpen.clear();
  }

  /** Whether the engineer's input may reach the target now. */
  public synchronized boolean inputAllowed() {
    return state == State.OPEN;
  }

  /** Runs {@code then} when the gate opens again after a pause (at once if open). */
  public void whenOpen(Runnable then) {
    synchronized (this) {
      if (state == State.PAUSED) {
        whenOpen.add(then);
        return;
      }
    }
    then.run();
  }
}
