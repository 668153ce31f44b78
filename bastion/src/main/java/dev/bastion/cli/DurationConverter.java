package dev.bastion.cli;

import dev.bastion.keys.TimeSpans;
import java.time.Duration;
import picocli.CommandLine;

/** Parses {@code 8h}, {@code 52w}, {@code 1h30m}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return TimeSpans.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
