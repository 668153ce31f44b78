package dev.bastion.sftp;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Follows an SFTP session in both directions and reports one line per file operation: a file opened
 * for reading or writing with the bytes moved (when it is closed), remove, rename, mkdir, rmdir,
 * with the target's answer. The bytes themselves are not kept. Called on the pumps' threads; each
 * direction from one thread at a time, so the state is guarded by this object.
 */
public final class SftpAuditor {
  private static final int INIT = 1;
  private static final int OPEN = 3;
  private static final int CLOSE = 4;
  private static final int READ = 5;
  private static final int WRITE = 6;
  private static final int REMOVE = 13;
  private static final int MKDIR = 14;
  private static final int RMDIR = 15;
  private static final int RENAME = 18;
  private static final int STATUS = 101;
  private static final int HANDLE = 102;
  private static final int DATA = 103;
  private static final int EXTENDED = 200;

  private static final int PFLAG_READ = 0x01;
  private static final int PFLAG_WRITE = 0x02;

  /** (operation, detail): e.g. ("write", "/tmp/x: 1048576 bytes"). */
  private final BiConsumer<String, String> report;

  private final SftpPacketReader requests = new SftpPacketReader(this::request);
  private final SftpPacketReader responses = new SftpPacketReader(this::response);
  private final Map<Long, Pending> pending = new HashMap<>();
  private final Map<String, OpenFile> files = new HashMap<>();

  private record Pending(int type, String path, String detail, int flags, String handle) {}

  private static final class OpenFile {
    final String path;
    final int flags;
    long read;
    long written;

    OpenFile(String path, int flags) {
      this.path = path;
      this.flags = flags;
    }
  }

  public SftpAuditor(BiConsumer<String, String> report) {
    this.report = report;
  }

  public synchronized void fromClient(byte[] data, int offset, int length) {
    requests.feed(data, offset, length);
  }

  public synchronized void fromTarget(byte[] data, int offset, int length) {
    responses.feed(data, offset, length);
  }

  /** The session ended: files still open are reported as such. */
  public synchronized void finish() {
    for (OpenFile file : files.values()) {
      emitTransfer(file, " (not closed before the session ended)");
    }
    files.clear();
  }

  private void request(byte[] packet, int length) {
    Cursor in = new Cursor(packet, length);
    int type = in.u8();
    if (type == INIT || length < 5) {
      return;
    }
    long id = in.u32();
    switch (type) {
      case OPEN -> {
        String path = in.string();
        int flags = (int) in.u32();
        pending.put(id, new Pending(OPEN, path, null, flags, null));
      }
      case CLOSE -> {
        String handle = in.handle();
        OpenFile file = files.remove(handle);
        if (file != null) {
          emitTransfer(file, "");
        }
      }
      case READ -> pending.put(id, new Pending(READ, null, null, 0, in.handle()));
      case WRITE -> {
        String handle = in.handle();
        in.u64();
        long bytes = in.u32();
        OpenFile file = files.get(handle);
        if (file != null) {
          file.written += bytes;
        }
      }
      case REMOVE -> pending.put(id, new Pending(REMOVE, in.string(), null, 0, null));
      case MKDIR -> pending.put(id, new Pending(MKDIR, in.string(), null, 0, null));
      case RMDIR -> pending.put(id, new Pending(RMDIR, in.string(), null, 0, null));
      case RENAME -> {
        String from = in.string();
        String to = in.string();
        pending.put(id, new Pending(RENAME, from, from + " -> " + to, 0, null));
      }
      case EXTENDED -> {
        String name = in.string();
        if (name.equals("posix-rename@openssh.com")) {
          String from = in.string();
          String to = in.string();
          pending.put(id, new Pending(RENAME, from, from + " -> " + to, 0, null));
        }
      }
      default -> {
        // stat, readdir, realpath and the like are not file operations worth a row
      }
    }
  }

  private void response(byte[] packet, int length) {
    if (length < 5) {
      return;
    }
    Cursor in = new Cursor(packet, length);
    int type = in.u8();
    long id = in.u32();
    Pending request = pending.remove(id);
    if (request == null) {
      return;
    }
    switch (type) {
      case HANDLE -> {
        if (request.type() == OPEN) {
          files.put(in.handle(), new OpenFile(request.path(), request.flags()));
        }
      }
      case DATA -> {
        if (request.type() == READ) {
          OpenFile file = files.get(request.handle());
          if (file != null) {
            file.read += in.u32();
          }
        }
      }
      case STATUS -> {
        long code = in.u32();
        String outcome = code == 0 ? "ok" : "failed (SFTP status " + code + ")";
        switch (request.type()) {
          case OPEN -> report.accept(mode(request.flags()), request.path() + ": open " + outcome);
          case REMOVE -> report.accept("remove", request.path() + ": " + outcome);
          case MKDIR -> report.accept("mkdir", request.path() + ": " + outcome);
          case RMDIR -> report.accept("rmdir", request.path() + ": " + outcome);
          case RENAME -> report.accept("rename", request.detail() + ": " + outcome);
          default -> {
            // a read past the end answers with EOF status; nothing to report
          }
        }
      }
      default -> {
        // other answers carry nothing the audit needs
      }
    }
  }

  private void emitTransfer(OpenFile file, String note) {
    String op = mode(file.flags);
    long bytes = op.equals("write") ? file.written : file.read;
    report.accept(
        op,
        file.path
            + ": "
            + bytes
            + " bytes"
            + (op.equals("read+write") ? " read, " + file.written + " written" : "")
            + note);
  }

  private static String mode(int flags) {
    boolean read = (flags & PFLAG_READ) != 0;
    boolean write = (flags & PFLAG_WRITE) != 0;
    return read && write ? "read+write" : write ? "write" : "read";
  }

  /**
   * Reads SFTP's big-endian fields from a packet prefix; past the prefix it yields empty values.
   */
  private static final class Cursor {
    private final byte[] b;
    private final int length;
    private int at;

    Cursor(byte[] b, int length) {
      this.b = b;
      this.length = length;
    }

    int u8() {
      return at < length ? b[at++] & 0xFF : 0;
    }

    long u32() {
      if (at + 4 > length) {
        at = length;
        return 0;
      }
      long v =
          ((b[at] & 0xFFL) << 24)
              | ((b[at + 1] & 0xFFL) << 16)
              | ((b[at + 2] & 0xFFL) << 8)
              | (b[at + 3] & 0xFFL);
      at += 4;
      return v;
    }

    long u64() {
      return (u32() << 32) | u32();
    }

    String string() {
      long n = u32();
      int take = (int) Math.min(n, length - at);
      String s = new String(b, at, take, StandardCharsets.UTF_8);
      at += take;
      return s;
    }

    /** A handle is opaque bytes; hex keeps it a safe map key. */
    String handle() {
      long n = u32();
      int take = (int) Math.min(n, length - at);
      String s = java.util.HexFormat.of().formatHex(b, at, at + take);
      at += take;
      return s;
    }
  }
}
