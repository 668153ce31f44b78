package dev.bastion.proxy;

import dev.bastion.recorder.SessionRecording;
import dev.bastion.recording.SessionRecorder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What the session's pumps feed its recording: output of both streams, the engineer's input when
 * configured, resizes and markers. It holds a pump back while the recording's disk is behind, and
 * reports once, through {@code onFailure}, that the recording stopped: the session decides whether
 * to end (strict) or go on unrecorded (best_effort).
 */
final class RecordingTap {
  private final SessionRecorder recorder;
  private final Consumer<String> onFailure;
  private volatile SessionRecording recording;
  private final AtomicBoolean failed = new AtomicBoolean();

  RecordingTap(SessionRecorder recorder, Consumer<String> onFailure) {
    this.recorder = recorder;
    this.onFailure = onFailure;
  }

  /** The recording, once created; before any pump starts. */
  void attach(SessionRecording created) {
    this.recording = created;
  }

  boolean recording() {
    return recording != null;
  }

  /** A tap for the target's stdout (0) or stderr (1); null when nothing is recorded. */
  ChannelPump.Tap output(int stream) {
    SessionRecording r = recording;
    return r == null ? null : tap(r, false, stream);
  }

  /** A tap for the engineer's keystrokes; null unless input is recorded. */
  ChannelPump.Tap input() {
    SessionRecording r = recording;
    return r == null || !recorder.recordsInput() ? null : tap(r, true, 0);
  }

  private ChannelPump.Tap tap(SessionRecording r, boolean input, int stream) {
    return new ChannelPump.Tap() {
      @Override
      public void chunk(byte[] data, int offset, int length) {
        if (failed.get()) {
          return;
        }
        if (input) {
          r.input(data, offset, length);
        } else {
          r.output(stream, data, offset, length);
        }
        check();
      }

      @Override
      public boolean ready() {
        if (r.failure() != null) {
          check(); // a failed recording holds nothing back: the session decides what follows
          return true;
        }
        return r.writable();
      }

      @Override
      public void whenReady(Runnable resume) {
        r.whenWritable(resume);
      }
    };
  }

  void marker(String text) {
    SessionRecording r = recording;
    if (r != null && !failed.get()) {
      r.marker(text);
    }
  }

  void resize(int columns, int rows) {
    SessionRecording r = recording;
    if (r != null && !failed.get()) {
      r.resize(columns, rows);
    }
  }

  /** Reports a failed recording once (also called once a second, for a session that is quiet). */
  void check() {
    SessionRecording r = recording;
    if (r == null || r.failure() == null || !failed.compareAndSet(false, true)) {
      return;
    }
    onFailure.accept(r.failure().getMessage());
  }

  /** Closes and seals the recording, if there is one. */
  void finish(String reason) {
    recorder.finish(recording, reason);
  }
}
