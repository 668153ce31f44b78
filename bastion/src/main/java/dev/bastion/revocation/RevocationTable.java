package dev.bastion.revocation;

import dev.bastion.audit.AuditDatabase;
import dev.bastion.audit.AuditException;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.Revocations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The table {@code revocations} of the shared database: what {@code bastion cert revoke} writes
 * when {@code database.url} is set, and what every node reads. Each call asks the database (for the
 * command line); a running node reads through {@link SharedRevocations}, which keeps a copy.
 * Failures are {@link AuditException}s naming what could not be done.
 */
public final class RevocationTable implements Revocations {
  /** SQLSTATE of a unique key violation, the same in PostgreSQL and H2. */
  private static final String DUPLICATE = "23505";

  private final AuditDatabase database;

  public RevocationTable(AuditDatabase database) {
    this.database = database;
  }

  /** What changes whenever a row is added or removed: their number and the newest time. */
  record Version(long rows, Instant newest) {}

  @Override
  public Lookup current() {
    return new Lookup(entries());
  }

  @Override
  public List<Revocation> entries() {
    try (Connection c = database.connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT kind, revoked_value, revoked_at FROM revocations"
                    + " ORDER BY revoked_at, kind, revoked_value")) {
      List<Revocation> entries = new ArrayList<>();
      while (rs.next()) {
        entries.add(
            new Revocation(
                Revocation.Kind.valueOf(rs.getString(1).toUpperCase(Locale.ROOT)),
                rs.getString(2),
                rs.getTimestamp(3).toInstant()));
      }
      return List.copyOf(entries);
    } catch (SQLException | IllegalArgumentException e) {
      throw failed("read the revocations from", e);
    }
  }

  @Override
  public boolean add(Revocation revocation) {
    if (revocation.value().isEmpty()) {
      throw new IllegalArgumentException("cannot revoke an empty value");
    }
    try (Connection c = database.connect();
        PreparedStatement st =
            c.prepareStatement(
                "INSERT INTO revocations (value_digest, kind, revoked_value, revoked_at)"
                    + " VALUES (?, ?, ?, ?)")) {
      st.setString(1, digest(revocation));
      st.setString(2, kind(revocation));
      st.setString(3, revocation.value());
      st.setTimestamp(4, Timestamp.from(revocation.revokedAt()));
      st.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (DUPLICATE.equals(e.getSQLState())) {
        return false;
      }
      throw failed("write the revocation to", e);
    }
  }

  /** A cheap look whether anything changed since the last {@link #entries()}. */
  Version version() {
    try (Connection c = database.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(revoked_at) FROM revocations")) {
      rs.next();
      Timestamp newest = rs.getTimestamp(2);
      return new Version(rs.getLong(1), newest == null ? null : newest.toInstant());
    } catch (SQLException e) {
      throw failed("read the revocations from", e);
    }
  }

  private static String kind(Revocation r) {
    return r.kind().name().toLowerCase(Locale.ROOT);
  }

  private static String digest(Revocation r) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(sha.digest((kind(r) + "\t" + r.value()).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static AuditException failed(String what, Exception e) {
    return new AuditException(
        "cannot " + what + " the database: " + String.valueOf(e.getMessage()).strip(), e);
  }
}
