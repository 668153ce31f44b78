package dev.bastion.config;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Checks {@code database:}: a PostgreSQL server for the audit database instead of the embedded H2
 * file in the data directory. The password comes from {@code password_file} (not readable by
 * others) or {@code $BASTION_DATABASE_PASSWORD}, never from the YAML.
 */
final class DatabaseSettings extends ConfigValues {
  static final String PASSWORD_VARIABLE = "BASTION_DATABASE_PASSWORD";

  private final Path baseDir;
  private final UnaryOperator<String> env;

  DatabaseSettings(String source, Path baseDir, UnaryOperator<String> env) {
    super(source);
    this.baseDir = baseDir;
    this.env = env;
  }

  Optional<BastionConfig.Database> check(RawConfig.Database raw) {
    if (raw == null) {
      return Optional.empty();
    }
    if (raw.password() != null) {
      throw fail(
          "database.password",
          "(hidden)",
          "is not read from bastion.yaml: put the password in a file named by"
              + " database.password_file (mode 0600) or in $"
              + PASSWORD_VARIABLE);
    }
    String url = raw.url();
    if (url == null || url.isBlank()) {
      throw fail(
          "database.url",
          "(missing)",
          "names the PostgreSQL database, such as jdbc:postgresql://db.example.com:5432/bastion"
              + " (leave database: out for the embedded database in the data directory)");
    }
    if (!url.startsWith("jdbc:postgresql://") || url.chars().anyMatch(c -> c < 0x21)) {
      throw fail(
          "database.url", url, "must be jdbc:postgresql://HOST[:PORT]/DATABASE (PostgreSQL only)");
    }
    if (url.matches("(?i).*[?&]password=.*")) {
      throw fail(
          "database.url",
          "(hidden)",
          "must not hold the password: use database.password_file or $" + PASSWORD_VARIABLE);
    }
    String user = raw.user();
    if (user == null || user.isBlank()) {
      throw fail("database.user", "(missing)", "names the PostgreSQL user the bastion logs in as");
    }
    return Optional.of(new BastionConfig.Database(url, user.strip(), password(raw.passwordFile())));
  }

  private BastionConfig.Secret password(String file) {
    if (file != null) {
      return secretFile("database.password_file", baseDir, file, "password");
    }
    String fromEnv = env.apply(PASSWORD_VARIABLE);
    if (fromEnv == null || fromEnv.isEmpty()) {
      throw fail(
          "database.password_file",
          "(missing)",
          "names a file holding the database password (mode 0600); or set $" + PASSWORD_VARIABLE);
    }
    return new BastionConfig.Secret(fromEnv);
  }
}
