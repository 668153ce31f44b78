package dev.bastion.audit;

import dev.bastion.recorder.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit database, its schema kept by the same Flyway migrations on both kinds (only V1 has a
 * copy per kind, in {@code db/h2} and {@code db/postgresql}). Either way the bastion takes its
 * connections from one {@link DataSource}: a pool ({@link AuditPool}) for a PostgreSQL server named
 * by {@code database.url}, or by default the embedded H2 database {@code <data-dir>/audit.mv.db}.
 *
 * <p>The embedded database: Nothing listens: no H2 server, so only this process opens it ({@code
 * bastion sessions} and {@code bastion audit} ask a running bastion through {@link AuditSocket}).
 * Its password is random, kept in {@code audit.password} (0600); databases made with the former
 * empty password get it on open. The schema belongs to the user {@code bastion}; the bastion itself
 * reads and writes as {@code bastion_app}, which may select, insert, update and delete rows and
 * nothing else (no file functions, no Java aliases, no settings).
 */
public final class AuditDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditDatabase.class);
  static final String OWNER = "bastion";
  static final String APP = "bastion_app";

  private final DataSource source;
  private final AutoCloseable pool;
  private final String url; // H2 only: the owner's connection kept open
  private final String password;
  private Connection keeper;

  private AuditDatabase(DataSource source, AutoCloseable pool, String url, String password) {
    this.source = source;
    this.pool = pool;
    this.url = url;
    this.password = password;
  }

  /**
   * Opens and migrates the PostgreSQL database of {@code database:} if there is one, else the
   * embedded one in the data directory.
   */
  public static AuditDatabase open(
      Optional<dev.bastion.config.BastionConfig.Database> server, Path dataDir) {
    if (server.isEmpty()) {
      return open(dataDir);
    }
    AuditPool pool = AuditPool.open(server.get());
    try {
      migrate(Flyway.configure().dataSource(pool.dataSource()), "postgresql");
    } catch (RuntimeException e) {
      pool.close();
      throw new AuditException(
          "cannot open the audit database at " + pool.url() + ": " + rootMessage(e), e);
    }
    return new AuditDatabase(pool.dataSource(), pool, null, null);
  }

  private static void migrate(
      org.flywaydb.core.api.configuration.FluentConfiguration flyway, String kind) {
    flyway.locations("classpath:db/migration", "classpath:db/" + kind).load().migrate();
  }

  /** Opens (creating if needed) and migrates the embedded database in the data directory. */
  public static AuditDatabase open(Path dataDir) {
    // DB_CLOSE_ON_EXIT=FALSE: the bastion closes it itself, after its last audit row at shutdown.
    String url =
        "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("audit") + ";DB_CLOSE_ON_EXIT=FALSE";
    try {
      // The former AUTO_SERVER's address and key; nothing reads it any more.
      Files.deleteIfExists(dataDir.resolve("audit.lock.db"));
      String password = password(passwordFile(dataDir));
      try (Connection owner = ownerConnection(url, password, passwordFile(dataDir));
          Statement st = owner.createStatement()) {
        settings(st);
        st.execute("CREATE USER IF NOT EXISTS " + APP + " PASSWORD '" + password + "'");
        st.execute("ALTER USER " + APP + " SET PASSWORD '" + password + "'");
        st.execute("ALTER USER " + APP + " ADMIN FALSE");
        migrate(Flyway.configure().dataSource(url, OWNER, password), "h2");
        st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA PUBLIC TO " + APP);
      }
      ownerOnly(dataDir);
      org.h2.jdbcx.JdbcDataSource app = new org.h2.jdbcx.JdbcDataSource();
      app.setURL(url);
      app.setUser(APP);
      app.setPassword(password);
      return new AuditDatabase(app, null, url, password);
    } catch (RuntimeException | SQLException | IOException e) {
      throw new AuditException(
          "cannot open the audit database in " + dataDir + ": " + rootMessage(e), e);
    }
  }

  /**
   * A connection as the bastion's SQL user, from the pool (PostgreSQL) or new (H2); closing it
   * gives it back. For H2 the schema owner's connection is kept open beside it: H2 forgets {@code
   * WRITE_DELAY} when the database closes and only an admin may set it, so that connection holds
   * the database open with every commit reaching the file at once (a killed bastion loses no audit
   * row). After the database was closed underneath, it is opened again.
   */
  public Connection connect() {
    try {
      if (url != null) {
        keepOpen();
      }
      return source.getConnection();
    } catch (SQLException e) {
      throw new AuditException(
          "cannot connect to the audit database: " + rootMessage(e).strip(), e);
    }
  }

  private synchronized void keepOpen() throws SQLException {
    try {
      if (keeper == null || !keeper.isValid(5)) {
        closeKeeper();
        keeper = DriverManager.getConnection(url, OWNER, password);
        try (Statement st = keeper.createStatement()) {
          settings(st);
        }
      }
    } catch (SQLException e) {
      closeKeeper();
      throw e;
    }
  }

  /**
   * What H2 forgets when the database closes: every commit reaches the file at once, and no trace
   * file (H2 would create it with the process umask and write statements with their values in it;
   * errors reach the bastion's log as exceptions instead).
   */
  private static void settings(Statement owner) throws SQLException {
    owner.execute("SET WRITE_DELAY 0");
    owner.execute("SET TRACE_LEVEL_FILE 0");
  }

  /** Lets the database close once the last connection of the bastion's SQL user is closed. */
  @Override
  public synchronized void close() {
    closeKeeper();
    if (pool != null) {
      try {
        pool.close();
      } catch (Exception e) {
        LOG.debug("closing the audit database's pool: {}", e.getMessage());
      }
    }
  }

  private void closeKeeper() {
    if (keeper != null) {
      try {
        keeper.close();
      } catch (SQLException e) {
        LOG.debug("closing the audit database's owner connection: {}", e.getMessage());
      }
      keeper = null;
    }
  }

  static Path passwordFile(Path dataDir) {
    return dataDir.resolve("audit.password");
  }

  /** The database password, made (0600) on first use. */
  private static String password(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String made = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path tmp = Files.createTempFile(file.getParent(), ".audit.password", ".tmp", OwnerOnly.FILE);
      try {
        Files.writeString(tmp, made + "\n", StandardCharsets.US_ASCII);
        Files.createLink(file, tmp); // whole or not at all, and never over an existing one
        return made;
      } catch (FileAlreadyExistsException raced) {
        // another process made it first: use theirs
      } finally {
        Files.delete(tmp);
      }
    }
    String password = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (!password.matches("[A-Za-z0-9_-]{16,}")) {
      throw new IOException(file + " does not hold a database password");
    }
    return password;
  }

  /** The schema owner's connection; a database still on the former empty password gets it now. */
  private static Connection ownerConnection(String url, String password, Path file)
      throws SQLException {
    try {
      return DriverManager.getConnection(url, OWNER, password);
    } catch (SQLException e) {
      if (e.getErrorCode() != ErrorCode.WRONG_USER_OR_PASSWORD) {
        throw e;
      }
      Connection owner;
      try {
        owner = DriverManager.getConnection(url, OWNER, "");
      } catch (SQLException again) {
        throw new AuditException(
            "it does not accept the password in " + file + " (restore that file from a backup)");
      }
      try (Statement st = owner.createStatement()) {
        st.execute("ALTER USER " + OWNER + " SET PASSWORD '" + password + "'");
      }
      LOG.info("the audit database's empty password was replaced by the one in {}", file);
      return owner;
    }
  }

  /** H2 creates its files with the process umask; they are the bastion's alone. */
  private static void ownerOnly(Path dataDir) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDir, "audit.*")) {
      for (Path file : files) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    }
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
