package dev.bastion.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit writer's connection to the database, used only on the writer thread. A failed statement
 * drops the connection and is tried once more on a fresh one, so the audit log recovers by itself
 * once the cause is gone (space freed on a full disk, the database closed underneath) instead of
 * staying broken until a restart.
 */
final class AuditConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditConnection.class);

  interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final AuditDatabase database;
  private Connection connection;

  AuditConnection(AuditDatabase database) {
    this.database = database;
    this.connection = database.connect(); // fail at start if the database cannot be reached
  }

  void update(String sql, Binder binder) throws SQLException {
    run(
        c -> {
          try (PreparedStatement statement = c.prepareStatement(sql)) {
            binder.bind(statement);
            return statement.executeUpdate();
          }
        });
  }

  /** Runs {@code work}; after a failure, once more on a new connection. */
  <T> T run(Work<T> work) throws SQLException {
    try {
      return work.run(open());
    } catch (SQLException | AuditException first) {
      drop();
      LOG.warn("audit write failed, retrying on a new connection: {}", message(first));
      try {
        return work.run(open());
      } catch (SQLException | AuditException second) {
        drop(); // the next write connects again
        throw second instanceof SQLException sql ? sql : new SQLException(second.getMessage());
      }
    }
  }

  /** Runs {@code work} in one transaction on {@code c}: committed whole, or rolled back. */
  static <T> T allOrNothing(Connection c, Work<T> work) throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException broken) {
        e.addSuppressed(broken);
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(true);
      } catch (SQLException broken) {
        // the connection is broken; run() drops it after the failure
      }
    }
  }

  private Connection open() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = database.connect();
    }
    return connection;
  }

  private void drop() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException | RuntimeException e) {
        // it is broken already; a new one is opened for the next write
      }
      connection = null;
    }
  }

  /** A database error, bounded: H2 quotes statements and values in its messages. */
  static String message(Exception e) {
    return dev.bastion.recorder.VisibleText.fit(AuditDatabase.rootMessage(e), 300);
  }

  @Override
  public void close() {
    drop();
  }
}
