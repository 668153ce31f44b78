package dev.bastion.web;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a role lets its holders do in the web viewer, as written in a role's {@code can:} list.
 * Everyone sees, watches and replays their own sessions without any right.
 */
public enum WebRight {
  /** See and watch other people's live sessions, and see their ended ones. */
  SHADOW,
  /** End other people's live sessions. */
  TERMINATE,
  /** Replay and download other people's recordings, and see their ended sessions. */
  REPLAY,
  /** Read the audit log. */
  AUDIT,
  /** Approve four-eyes sessions (roles named by a target's require_approval must have it). */
  APPROVE;

  /** The right as the configuration and the web API write it: {@code shadow}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The right a configuration word names, if any. */
  public static Optional<WebRight> named(String word) {
    return Arrays.stream(values()).filter(r -> r.word().equals(word)).findFirst();
  }

  /** Every right's word, in alphabetical order: {@code approve, audit, replay, ...}. */
  public static String words() {
    return Arrays.stream(values()).map(WebRight::word).sorted().collect(Collectors.joining(", "));
  }
}
