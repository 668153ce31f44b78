package dev.bastion.cli;

import dev.bastion.keys.CaKind;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine;

/** Parses {@code user}, {@code host} or {@code upstream}. */
final class CaKindConverter implements CommandLine.ITypeConverter<CaKind> {
  @Override
  public CaKind convert(String value) {
    for (CaKind kind : CaKind.values()) {
      if (kind.cliName().equals(value)) {
        return kind;
      }
    }
    throw new CommandLine.TypeConversionException(
        "'" + value + "' is not a CA; use user, host or upstream");
  }

  static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(CaKind.values()).map(CaKind::cliName).iterator();
    }
  }
}
