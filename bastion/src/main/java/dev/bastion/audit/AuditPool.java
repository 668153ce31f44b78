package dev.bastion.audit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.bastion.config.BastionConfig;
import javax.sql.DataSource;

/**
 * The pool of connections to a PostgreSQL audit database ({@code database:}). Short timeouts: a
 * database that does not answer makes the write that needed it fail within seconds (and the session
 * or login that waited on it is refused), never hang. The first connection is made at once, so a
 * wrong address or password stops the start.
 */
final class AuditPool implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final String url;

  private AuditPool(HikariDataSource dataSource, String url) {
    this.dataSource = dataSource;
    this.url = url;
  }

  static AuditPool open(BastionConfig.Database database) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("audit");
    config.setJdbcUrl(database.url());
    config.setUsername(database.user());
    config.setPassword(database.password().reveal());
    config.setMaximumPoolSize(4); // the writer thread, and readers (web, CLI socket, retention)
    config.setMinimumIdle(1);
    config.setConnectionTimeout(3_000);
    config.setValidationTimeout(2_000);
    config.setInitializationFailTimeout(1); // try once at start; fail the start if it fails
    // Defaults the URL may override: give up on a silent server instead of hanging a write.
    config.addDataSourceProperty("connectTimeout", "5");
    config.addDataSourceProperty("socketTimeout", "30");
    config.addDataSourceProperty("ApplicationName", "bastion");
    try {
      return new AuditPool(new HikariDataSource(config), database.url());
    } catch (RuntimeException e) {
      throw new AuditException(
          "cannot open the audit database at "
              + database.url()
              + " as "
              + database.user()
              + ": "
              + AuditDatabase.rootMessage(e),
          e);
    }
  }

  DataSource dataSource() {
    return dataSource;
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
