package dev.bastion.audit;

import java.time.Instant;
import java.util.List;

/**
 * A session as the audit database keeps it. {@code recordingRemovedAt}: when {@code
 * recording.retention} removed its recording (null while it is kept); {@code node}: the node that
 * runs or ran it ({@code cluster.name}, else the host's name; null for sessions from before nodes
 * were recorded).
 */
public record SessionRecord(
    String id,
    String identity,
    List<String> roles,
    String target,
    String login,
    String kind,
    String command,
    String sourceAddress,
    Instant startedAt,
    Instant endedAt,
    String state,
    Integer exitStatus,
    String exitSignal,
    long bytesIn,
    long bytesOut,
    String endReason,
    String recordingPath,
    String recordingSha256,
    Instant recordingRemovedAt,
    String node) {

  public static final String LIVE = "live";
  public static final String ENDED = "ended";
  public static final String INTERRUPTED = "interrupted";
}
