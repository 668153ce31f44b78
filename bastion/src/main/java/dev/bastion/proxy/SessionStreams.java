package dev.bastion.proxy;

import dev.bastion.sftp.SftpAuditor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.io.IoInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pumps of one session: the target's stdout and stderr to the engineer, the engineer's input to
 * the target. It reports once, when the target's streams have ended and its channel closed, so that
 * everything the target said reached the engineer before the session ends. Set up by the session's
 * event executor; the pumps themselves run on MINA's I/O threads.
 */
final class SessionStreams {
  private static final Logger LOG = LoggerFactory.getLogger(SessionStreams.class);

  private final String id;
  private final ClientChannel client;
  private final IoInputStream clientIn;
  private final SftpAuditor sftp;
  private final boolean transfer;
  private final AtomicInteger pendingEnds = new AtomicInteger();
  // Set on the session's executor, read by anyone for the byte counts.
  private volatile ChannelPump input;
  private volatile ChannelPump output;
  private volatile ChannelPump errors;
  private volatile Runnable targetDone;

  /**
   * @param sftp for an sftp session, the parser that audits its file operations; else null
   * @param transfer a file transfer run as a command: its data (stdin, stdout) is not recorded
   */
  SessionStreams(
      String id, ClientChannel client, IoInputStream clientIn, SftpAuditor sftp, boolean transfer) {
    this.id = id;
    this.client = client;
    this.clientIn = clientIn;
    this.sftp = sftp;
    this.transfer = transfer;
  }

  /**
   * A four-eyes session with a terminal reads keystrokes before the target is reached, so that
   * Ctrl-C cancels the request; the gate drops them until then.
   */
  void readEarly(GatedInput gated) {
    input = gatedPump(gated);
    input.start();
  }

  /**
   * Starts moving bytes, through the recording (or, for sftp, the file operation audit); {@code
   * targetDone} runs once, on an I/O thread, after the target's output ended and its channel
   * closed.
   *
   * @param gated the four-eyes gate on the engineer's input, or null
   */
  void connect(
      TargetChannel target, RecordingTap recording, GatedInput gated, Runnable targetDone) {
    this.targetDone = targetDone;
    ChannelPump.Tap outTap = sftp != null ? sftpTap(false) : transfer ? null : recording.output(0);
    ChannelPump.Tap errTap = recording.output(1);
    ChannelPump.Tap inTap = sftp != null ? sftpTap(true) : transfer ? null : recording.input();
    boolean hasErr = target.err() != null;
    pendingEnds.set(hasErr ? 3 : 2);
    output =
        new ChannelPump("out " + id, target.out(), client.out(), outTap, this::streamEnded)
            .countedIn(Traffic.TO_CLIENTS);
    errors =
        hasErr
            ? new ChannelPump("err " + id, target.err(), client.err(), errTap, this::streamEnded)
                .countedIn(Traffic.TO_CLIENTS)
            : null;
    boolean inputRuns = input != null;
    if (gated != null) {
      gated.connect(target.in());
      if (!inputRuns) {
        input = gatedPump(gated);
      }
    } else {
      // At the engineer's EOF (or when they leave), EOF goes on once pending input is written.
      input =
          new ChannelPump(
                  "in " + id, clientIn, target.in(), inTap, failure -> target.in().close(false))
              .countedIn(Traffic.FROM_CLIENTS);
    }
    target.whenClosed(() -> streamEnded(null));
    output.start();
    if (errors != null) {
      errors.start();
    }
    if (!inputRuns) {
      input.start();
    }
  }

  private ChannelPump gatedPump(GatedInput gated) {
    return new ChannelPump("in " + id, clientIn, gated, gated, failure -> gated.close(false))
        .countedIn(Traffic.FROM_CLIENTS);
  }

  private void streamEnded(Throwable failure) {
    if (failure != null) {
      LOG.debug("session {} stream ended: {}", id, failure.toString());
    }
    if (pendingEnds.decrementAndGet() == 0) {
      targetDone.run();
    }
  }

  /** The sftp parser sees every packet; it audits file operations and keeps no data. */
  private ChannelPump.Tap sftpTap(boolean fromClient) {
    return (data, offset, length) -> {
      if (fromClient) {
        sftp.fromClient(data, offset, length);
      } else {
        sftp.fromTarget(data, offset, length);
      }
    };
  }

  /** The session ended: an sftp parser reports what it still holds. */
  void finish() {
    if (sftp != null) {
      sftp.finish();
    }
  }

  /** Bytes the engineer sent so far. */
  long bytesIn() {
    ChannelPump in = input;
    return in == null ? 0 : in.bytes();
  }

  /** Bytes the target sent so far, both streams. */
  long bytesOut() {
    ChannelPump out = output;
    ChannelPump err = errors;
    return (out == null ? 0 : out.bytes()) + (err == null ? 0 : err.bytes());
  }
}
