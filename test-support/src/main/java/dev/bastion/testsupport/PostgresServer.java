package dev.bastion.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Debian's {@code postgresql} package: a cluster made by initdb in a
 * temporary directory, listening on a free loopback port (password logins over TCP, trust only on
 * its own unix socket in that directory), stopped and removed on {@link #close()}. As root it runs
 * as {@link LoginAccount#TEST_USER} (PostgreSQL refuses to run as root). {@link #shared()} starts
 * one per JVM; each test takes its own database from it with {@link #newDatabase()}.
 */
public final class PostgresServer implements AutoCloseable {
  /** The login every database made here belongs to. */
  public static final String USER = "bastion";

  private static PostgresServer shared;

  private final Path dir;
  private final Path bin;
  private final String runAs;
  private final int port;
  private final String password;
  private final AtomicInteger databases = new AtomicInteger();
  private boolean running;

  private PostgresServer(Path dir, Path bin, String runAs, int port, String password) {
    this.dir = dir;
    this.bin = bin;
    this.runAs = runAs;
    this.port = port;
    this.password = password;
  }

  /** Whether Debian's PostgreSQL server is installed here. */
  public static boolean available() {
    return binaries() != null;
  }

  /** One server for the whole JVM, stopped when it exits. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      shared = start();
      PostgresServer server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    }
    return shared;
  }

  /** Starts a server of its own (for a test that stops it). */
  public static PostgresServer start() {
    Path bin = binaries();
    if (bin == null) {
      throw new IllegalStateException("PostgreSQL is not installed (apt-get install postgresql)");
    }
    String runAs = LoginAccount.name();
    try {
      Path dir = Files.createTempDirectory("pg");
      if ("root".equals(System.getProperty("user.name"))) {
        ExternalCommand.of("chown", runAs, dir.toString()).run().orThrow();
      }
      PostgresServer server =
          new PostgresServer(
              dir, bin, runAs, freePort(), "pw-" + Long.toHexString(System.nanoTime()));
      server.initdb();
      server.startServer();
      server.sql("CREATE USER " + USER + " PASSWORD '" + server.password + "'");
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new empty database owned by {@link #USER}; its JDBC URL. */
  public String newDatabase() {
    String name = "audit" + databases.incrementAndGet();
    sql("CREATE DATABASE " + name + " OWNER " + USER);
    return jdbcUrl(name);
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  /** Runs SQL as the superuser over the server's unix socket; returns psql's unaligned output. */
  public String sql(String statement) {
    return sql("postgres", statement);
  }

  /** Runs SQL as the superuser in {@code database}; rows as lines, columns split by '|'. */
  public String sql(String database, String statement) {
    return run(List.of(
            bin.resolve("psql").toString(),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            dir.toString(),
            "-p",
            Integer.toString(port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            statement))
        .stdout()
        .strip();
  }

  /** Stops the server (fast shutdown: sessions are ended) and keeps its files. */
  public synchronized void stop() {
    if (running) {
      pgCtl("stop", "-m", "fast");
      running = false;
    }
  }

  /** Starts the stopped server again on the same port, with the same databases. */
  public synchronized void resume() {
    if (!running) {
      startServer();
    }
  }

  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      ExternalCommand.of("rm", "-rf", dir.toString()).run();
    }
  }

  private void initdb() {
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-instructions"));
  }

  private synchronized void startServer() {
    pgCtl(
        "start",
        "-w",
        "-l",
        dir.resolve("server.log").toString(),
        "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off");
    running = true;
  }

  private void pgCtl(String... args) {
    List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D"));
    command.add(dir.resolve("data").toString());
    command.addAll(List.of(args));
    run(command);
  }

  private CommandResult run(List<String> command) {
    List<String> full = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("runuser", "-u", runAs, "--"));
    }
    full.addAll(command);
    return ExternalCommand.of(full).in(dir).timeout(Duration.ofSeconds(60)).run().orThrow();
  }

  /** The newest installed version's bin directory, or null. */
  private static Path binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max((a, b) -> Integer.compare(version(a), version(b)))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static int version(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
