package dev.bastion.config;

import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.TimeSpans;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * Checks of single values of {@code bastion.yaml} (addresses, durations, keys, logins, words), each
 * failing with the file, the key and the value at fault.
 */
abstract class ConfigValues {
  static final Pattern LOGIN = Pattern.compile("[a-z_][a-z0-9_.-]*\\$?", Pattern.CASE_INSENSITIVE);

  final String source;

  ConfigValues(String source) {
    this.source = source;
  }

  /** One of an enum's words as written in the YAML (lower case), or {@code fallback} if absent. */
  <E extends Enum<E>> E word(String at, String value, E fallback, Class<E> type) {
    if (value == null) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(java.util.Locale.ROOT).equals(value)) {
        return e;
      }
    }
    List<String> words =
        java.util.Arrays.stream(type.getEnumConstants())
            .map(e -> e.name().toLowerCase(java.util.Locale.ROOT))
            .toList();
    throw fail(
        at,
        value,
        "must be "
            + String.join(", ", words.subList(0, words.size() - 1))
            + " or "
            + words.get(words.size() - 1));
  }

  void checkLogin(String at, String login) {
    if (!LOGIN.matcher(login).matches() || login.length() > 32) {
      throw fail(at, login, "is not a valid login name");
    }
  }

  List<String> nonEmpty(String at, List<String> values) {
    if (values == null || values.isEmpty()) {
      throw fail(at, "(empty)", "needs at least one entry");
    }
    return notBlank(at, values);
  }

  /** The entries, none of them blank; the list itself may be empty. */
  List<String> notBlank(String at, List<String> values) {
    for (String value : values) {
      if (value == null || value.isBlank()) {
        throw fail(at, "(blank)", "entries may not be blank");
      }
    }
    return List.copyOf(values);
  }

  PublicKey publicKey(String at, String line) {
    PublicKey key;
    try {
      key = OpenSshKeys.parsePublicKey(line);
    } catch (IllegalArgumentException e) {
      throw fail(
          at, abbreviate(line), "is not an OpenSSH public key line (" + e.getMessage() + ")");
    }
    if (key instanceof OpenSshCertificate) {
      throw fail(at, abbreviate(line), "is a certificate; give the plain public key");
    }
    return key;
  }

  InetSocketAddress address(String at, String value, int defaultPort) {
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0) {
        throw fail(at, value, "is not host:port");
      }
      host = value.substring(1, close);
      port =
          value.length() > close + 1 && value.charAt(close + 1) == ':'
              ? value.substring(close + 2)
              : null;
    } else {
      int colon = value.lastIndexOf(':');
      host = colon < 0 ? value : value.substring(0, colon);
      port = colon < 0 ? null : value.substring(colon + 1);
    }
    if (port == null) {
      if (defaultPort < 0) {
        throw fail(at, value, "is not host:port");
      }
      port = Integer.toString(defaultPort);
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw fail(at, value, "is not host:port");
    }
    // Port 0 means "any free port", useful for listening in tests; never for a target.
    if (host.isBlank() || number < (at.endsWith(".listen") ? 0 : 1) || number > 65535) {
      throw fail(at, value, "is not host:port with a port from 1 to 65535");
    }
    return InetSocketAddress.createUnresolved(host, number).isUnresolved() && isLiteral(host)
        ? new InetSocketAddress(host, number)
        : InetSocketAddress.createUnresolved(host, number);
  }

  InetSocketAddress resolved(String at, InetSocketAddress address) {
    InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
    if (resolved.isUnresolved()) {
      throw fail(at, address.getHostString(), "cannot be resolved to an address to listen on");
    }
    return resolved;
  }

  static boolean isLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  Duration duration(String at, String value, Duration fallback, boolean zeroAllowed) {
    if (value == null) {
      return fallback;
    }
    if (zeroAllowed && value.strip().matches("0+[smhdw]?")) {
      return Duration.ZERO;
    }
    try {
      return TimeSpans.parse(value);
    } catch (IllegalArgumentException e) {
      // TimeSpans' message already quotes the value.
      throw new ConfigException(source + ": " + at + ": " + e.getMessage());
    }
  }

  static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 37) + "..." : text;
  }

  /**
   * The one line of a private file named at {@code key} (relative to {@code baseDir}): refused if
   * every user of this machine may read it.
   */
  BastionConfig.Secret secretFile(
      String key, java.nio.file.Path baseDir, String file, String what) {
    java.nio.file.Path path = baseDir.resolve(file);
    if (readableByEveryone(path)) {
      throw fail(
          key,
          file,
          "can be read by every user of this machine; make it private: chmod 600 " + path);
    }
    String text;
    try {
      text = java.nio.file.Files.readString(path).strip();
    } catch (java.io.IOException e) {
      throw fail(key, file, "cannot be read: " + e.getMessage());
    }
    if (text.isEmpty() || text.contains("\n")) {
      throw fail(key, file, "must hold the " + what + " on one line");
    }
    return new BastionConfig.Secret(text);
  }

  /** True for a file others may read (POSIX); file systems without POSIX modes pass. */
  private static boolean readableByEveryone(java.nio.file.Path path) {
    try {
      return java.nio.file.Files.getPosixFilePermissions(path)
          .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    } catch (UnsupportedOperationException | java.io.IOException e) {
      return false; // no POSIX modes here, or unreadable: reading it says why
    }
  }

  ConfigException fail(String key, String value, String why) {
    return new ConfigException(source + ": " + key + ": '" + value + "' " + why);
  }
}
