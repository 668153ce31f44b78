package dev.bastion.recorder;

/**
 * Someone watching a session live (a WebSocket in the web viewer). None of these may block: the hub
 * calls them from its delivery threads and a slow viewer must never hold up anyone else.
 */
public interface Viewer {
  /**
   * One asciicast line (the header first, then events): UTF-8 JSON without the newline. The same
   * array goes to every viewer of the session: read it, never change it.
   */
  void send(byte[] line);

  /**
   * True while the viewer's own outgoing buffer is full; the hub then waits for {@link #onDrain}.
   */
  boolean saturated();

  /**
   * Runs {@code ready} once the viewer can take more, at once (on the calling thread) if it already
   * can: a buffer that emptied between {@link #saturated} and this call must not be missed.
   */
  void onDrain(Runnable ready);

  /** The feed ended: the session ended, or this viewer fell too far behind and was dropped. */
  void close(String reason);
}
