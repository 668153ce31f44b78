package dev.bastion.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The environment variables an engineer's client may pass on to the target ({@code
 * ssh.accept_env}): exact names, or globs where {@code *} stands for any characters, as in sshd's
 * {@code AcceptEnv}. The target's sshd must accept them too.
 */
public record EnvNames(List<String> patterns) {
  private static final Pattern VALID = Pattern.compile("[A-Za-z_*][A-Za-z0-9_*]*");

  /** Locale, terminal type, and git's protocol version (v2 needs {@code GIT_PROTOCOL}). */
  public static final EnvNames DEFAULT = of(List.of("LANG", "LC_*", "TERM", "GIT_PROTOCOL"));

  public EnvNames {
    patterns = List.copyOf(patterns);
  }

  /** Checks every pattern; throws IllegalArgumentException with the first bad one. */
  public static EnvNames of(List<String> patterns) {
    for (String p : patterns) {
      if (p == null || !VALID.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "holds '" + p + "': names are letters, digits, _ and * (any characters)");
      }
    }
    return new EnvNames(patterns);
  }

  /** Whether a variable of this name may pass. */
  public boolean accepts(String name) {
    for (String p : patterns) {
      if (matches(p, name)) {
        return true;
      }
    }
    return false;
  }

  /** Glob match without recursion (names come from clients and may be long). */
  private static boolean matches(String pattern, String name) {
    int p = 0;
    int n = 0;
    int star = -1;
    int resume = 0;
    while (n < name.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = n;
      } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
        p++;
        n++;
      } else if (star >= 0) {
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
