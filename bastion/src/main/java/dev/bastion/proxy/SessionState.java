package dev.bastion.proxy;

/**
 * Where a proxied session is in its life. Only the session's own event executor moves it from one
 * state to the next; everyone else posts an event and lets the session decide.
 *
 * <pre>
 * AUTHORIZED ──▶ WAITING_FOR_APPROVAL ──▶ CONNECTING ──▶ RUNNING ⇄ PAUSED
 *     │                  │                    │             │
 *     └──────────────────┴───────▶ ENDING ◀───┴─────────────┘ ──▶ ENDED
 * </pre>
 *
 * Any state may go straight to ENDED when nothing needs to finish first.
 */
public enum SessionState {
  /** Policy allowed it; its audit row is being written and its recording created. */
  AUTHORIZED,
  /** A four-eyes session waiting for enough approvers to watch; no upstream login yet. */
  WAITING_FOR_APPROVAL,
  /** Logging in to the target and opening the channel there. */
  CONNECTING,
  /** Bytes flow both ways. */
  RUNNING,
  /** A four-eyes session with too few approvers watching: the engineer's input is held. */
  PAUSED,
  /** Ending: the engineer was told why, the target's last output is still draining. */
  ENDING,
  /** Audited, recording sealed (or sealing), everything closed; final. */
  ENDED
}
