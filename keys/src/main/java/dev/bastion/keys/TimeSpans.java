package dev.bastion.keys;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them ({@code 8h}, {@code 52w}, {@code 1h30m}) and read them. */
public final class TimeSpans {
  private static final Pattern PART = Pattern.compile("(\\d+)([smhdwSMHDW]?)");

  private TimeSpans() {}

  /**
   * Parses {@code ssh-keygen}'s time format: one or more number-and-unit parts, units {@code s m h
   * d w}; a bare number means seconds.
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = PART.matcher(text.strip());
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.lookingAt()) {
      long amount = Long.parseLong(m.group(1));
      total = total.plus(unit(m.group(2)).multipliedBy(amount));
      end = m.end();
      m.region(end, text.strip().length());
    }
    if (end != text.strip().length() || end == 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; use e.g. 90s, 30m, 8h, 7d, 52w or 1h30m");
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("duration '" + text + "' is zero");
    }
    return total;
  }

  private static Duration unit(String unit) {
    return switch (unit.toLowerCase(java.util.Locale.ROOT)) {
      case "", "s" -> Duration.ofSeconds(1);
      case "m" -> Duration.ofMinutes(1);
      case "h" -> Duration.ofHours(1);
      case "d" -> Duration.ofDays(1);
      case "w" -> Duration.ofDays(7);
      default -> throw new IllegalArgumentException("unknown time unit " + unit);
    };
  }

  /** A rough, readable length of time: "5 minutes", "3 hours", "2 days", "45 seconds". */
  public static String describe(Duration duration) {
    long seconds = Math.abs(duration.getSeconds());
    if (seconds < 120) {
      return plural(seconds, "second");
    }
    if (seconds < 2 * 3600) {
      return plural(seconds / 60, "minute");
    }
    if (seconds < 2 * 86400) {
      return plural(seconds / 3600, "hour");
    }
    return plural(seconds / 86400, "day");
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
