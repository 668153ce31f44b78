package dev.bastion.recorder;

/**
 * Makes text that came from outside (user names, key ids, reasons, commands) harmless before it
 * reaches a log line, a terminal or an audit column: control characters become visible escapes, so
 * a newline cannot forge a log line and an escape sequence cannot drive a terminal; and long text
 * is cut to a bound with a visible marker, so one value cannot flood a log or overflow a column.
 */
public final class VisibleText {
  /** What is appended to text cut by {@link #bound}: {@code …[+N chars]}. */
  private static final String CUT = "…[+%d chars]";

  private VisibleText() {}

  /**
   * {@code text} with every control character (C0, DEL, C1) and every bidirectional override
   * written as a visible escape: {@code \n}, {@code \r}, {@code \t}, {@code \e} for ESC, {@code
   * \xHH} or {@code \\uHHHH} otherwise. Null stays null.
   */
  public static String escape(String text) {
    if (text == null || !hasControl(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isControl(c)) {
        out.append(c);
        continue;
      }
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case 0x1b -> out.append("\\e");
        default -> {
          if (c < 0x100) {
            out.append(String.format("\\x%02x", (int) c));
          } else {
            out.append(String.format("\\u%04x", (int) c));
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * {@code text} cut to at most {@code max} characters plus a marker saying how many were cut
   * ({@code …[+N chars]}); a surrogate pair is never split. Null stays null.
   */
  public static String bound(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + String.format(CUT, text.length() - end);
  }

  /**
   * {@code text} as it is, cut so that the result including the cut marker fits {@code max}
   * characters (a database column that keeps the text faithfully; escape it when showing it).
   */
  public static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, room(text, max)) + String.format(CUT, text.length() - room(text, max));
  }

  /**
   * {@code text} escaped, then bounded so that the result including the cut marker fits {@code max}
   * characters (a log field, a line for a terminal).
   */
  public static String fit(String text, int max) {
    String escaped = escape(text);
    if (escaped == null || escaped.length() <= max) {
      return escaped;
    }
    int end = room(escaped, max);
    // An escape such as "\x1b" is never cut in half: back up to before its backslash.
    int backslash = escaped.lastIndexOf('\\', end - 1);
    if (backslash >= 0 && backslash > end - 6 && !isWholeEscape(escaped, backslash, end)) {
      end = backslash;
    }
    return escaped.substring(0, end) + String.format(CUT, escaped.length() - end);
  }

  /** How much of {@code text} fits before the cut marker within {@code max}; no pair split. */
  private static int room(String text, int max) {
    int end = Math.max(0, max - String.format(CUT, text.length()).length());
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  /** Whether {@code text} holds any character {@link #escape} would rewrite. */
  public static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (isControl(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** Controls (C0, DEL, C1), bidirectional embeddings, overrides and isolates, line separators. */
  static boolean isControl(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)
        || c == 0x2028
        || c == 0x2029
        || c == 0x200e
        || c == 0x200f;
  }

  private static boolean isWholeEscape(String escaped, int backslash, int end) {
    if (backslash + 1 >= escaped.length()) {
      return true;
    }
    int length =
        switch (escaped.charAt(backslash + 1)) {
          case 'x' -> 4;
          case 'u' -> 6;
          default -> 2;
        };
    return backslash + length <= end;
  }
}
