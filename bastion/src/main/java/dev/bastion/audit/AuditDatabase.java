package dev.bastion.audit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

/**
 * The embedded H2 database {@code <data-dir>/audit.mv.db}, its schema kept by Flyway migrations.
 * {@code AUTO_SERVER} lets {@code bastion sessions} and {@code bastion audit} read it while the
 * server holds it open.
 */
public final class AuditDatabase {
  private final String url;

  private AuditDatabase(String url) {
    this.url = url;
  }

  /** Opens (creating if needed) and migrates the database in the data directory. */
  public static AuditDatabase open(Path dataDir) {
    // WRITE_DELAY=0: every commit reaches the file at once, so a killed bastion loses no audit row.
    String url =
        "jdbc:h2:file:"
            + dataDir.toAbsolutePath().resolve("audit")
            + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    try {
      Flyway.configure()
          .dataSource(url, "bastion", "")
          .locations("classpath:db/migration")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw new AuditException(
          "cannot open the audit database in " + dataDir + ": " + rootMessage(e), e);
    }
    return new AuditDatabase(url);
  }

  public Connection connect() {
    try {
      return DriverManager.getConnection(url, "bastion", "");
    } catch (SQLException e) {
      throw new AuditException("cannot connect to the audit database: " + e.getMessage(), e);
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
