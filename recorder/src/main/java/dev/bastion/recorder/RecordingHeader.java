package dev.bastion.recorder;

import java.time.Instant;

/**
 * What the first line of an asciicast v2 file says about the session. {@code pty} is false for a
 * session without a terminal (exec without {@code -t}, {@code ssh -T}): its output's line feeds
 * were turned into CR LF by the engineer's own terminal, not by one on the target, which players
 * need to know to draw it as the engineer saw it.
 */
public record RecordingHeader(
    int width,
    int height,
    Instant timestamp,
    String term,
    String title,
    String command,
    boolean pty) {

  /** The header of a session with a terminal. */
  public RecordingHeader(
      int width, int height, Instant timestamp, String term, String title, String command) {
    this(width, height, timestamp, term, title, command, true);
  }
}
