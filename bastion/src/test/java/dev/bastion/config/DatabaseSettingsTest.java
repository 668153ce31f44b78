package dev.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code database:} as an admin writes it in bastion.yaml. */
class DatabaseSettingsTest {
  private static final String PASSWORD = "Db-pass-1234";
  private static final String URL = "jdbc:postgresql://db.example.com:5432/bastion";
  private static final UnaryOperator<String> NO_ENV = name -> null;

  @TempDir Path dir;

  private BastionConfig parse(String yaml, UnaryOperator<String> env) {
    return ConfigLoader.parse("t.yaml", yaml, dir, env);
  }

  private ConfigException refused(String yaml, UnaryOperator<String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, env));
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
    return e;
  }

  private static String database(String more) {
    return "database:\n  url: " + URL + "\n  user: bastion\n" + more;
  }

  private Path passwordFile(String mode) throws Exception {
    Path file = dir.resolve("db.password");
    Files.writeString(file, PASSWORD + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void withoutDatabaseTheEmbeddedOneIsUsed() {
    assertEquals(Optional.empty(), parse("", NO_ENV).database());
  }

  @Test
  void aPrivatePasswordFileGivesTheServerAndStaysMasked() throws Exception {
    passwordFile("rw-------");
    BastionConfig.Database db =
        parse(database("  password_file: db.password\n"), NO_ENV).database().orElseThrow();
    assertEquals(URL, db.url());
    assertEquals("bastion", db.user());
    assertEquals(PASSWORD, db.password().reveal());
    assertFalse(db.toString().contains(PASSWORD), db.toString());
  }

  @Test
  void thePasswordMayComeFromTheEnvironment() {
    BastionConfig.Database db =
        parse(
                database(""),
                name -> DatabaseSettings.PASSWORD_VARIABLE.equals(name) ? PASSWORD : null)
            .database()
            .orElseThrow();
    assertEquals(PASSWORD, db.password().reveal());
  }

  @Test
  void aWorldReadablePasswordFileIsRefused() throws Exception {
    Path file = passwordFile("rw-r--r--");
    ConfigException e = refused(database("  password_file: db.password\n"), NO_ENV);
    assertTrue(
        e.getMessage().startsWith("t.yaml: database.password_file: 'db.password' can be read by"),
        e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
  }

  @Test
  void aPasswordInTheYamlIsRefusedPointingToTheFileOrVariable() {
    ConfigException e = refused(database("  password: " + PASSWORD + "\n"), NO_ENV);
    assertTrue(e.getMessage().startsWith("t.yaml: database.password: "), e.getMessage());
    assertTrue(
        e.getMessage().contains("database.password_file")
            && e.getMessage().contains("$BASTION_DATABASE_PASSWORD"),
        e.getMessage());
  }

  @Test
  void noPasswordAtAllIsNamed() {
    ConfigException e = refused(database(""), NO_ENV);
    assertTrue(e.getMessage().contains("database.password_file: '(missing)'"), e.getMessage());
  }

  @Test
  void aMissingOrForeignUrlAndAMissingUserAreNamed() {
    UnaryOperator<String> env = name -> PASSWORD;
    assertTrue(
        refused("database:\n  user: bastion\n", env)
            .getMessage()
            .contains("database.url: '(missing)'"));
    assertTrue(
        refused("database:\n  url: jdbc:mysql://db/bastion\n  user: bastion\n", env)
            .getMessage()
            .contains("must be jdbc:postgresql://"));
    assertTrue(
        refused("database:\n  url: " + URL + "?password=" + PASSWORD + "\n  user: b\n", env)
            .getMessage()
            .contains("database.url: '(hidden)' must not hold the password"));
    assertTrue(
        refused("database:\n  url: " + URL + "\n", env)
            .getMessage()
            .contains("database.user: '(missing)'"));
  }
}
