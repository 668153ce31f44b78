package dev.bastion.cli;

import dev.bastion.keys.KeyFileException;
import dev.bastion.keys.OpenSshKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * Where certificates go: next to the key as ssh expects ({@code id_ed25519-cert.pub}), or --out.
 */
final class CertificateFiles {
  private CertificateFiles() {}

  /** {@code id_ed25519.pub} becomes {@code id_ed25519-cert.pub}, as ssh-keygen names it. */
  static Path besideKey(Path publicKey) {
    String name = publicKey.getFileName().toString();
    String base = name.endsWith(".pub") ? name.substring(0, name.length() - 4) : name;
    return publicKey.resolveSibling(base + "-cert.pub");
  }

  /**
   * Writes the certificate line to {@code target} (replacing an older certificate atomically), or
   * to standard output when the target is {@code -}. Returns a description of where it went.
   */
  static String write(OpenSshCertificate cert, String comment, Path target, PrintWriter stdout) {
    String line = OpenSshKeys.toLine(cert, comment) + "\n";
    if (target.toString().equals("-")) {
      stdout.print(line);
      stdout.flush();
      return "standard output";
    }
    Path dir = target.toAbsolutePath().getParent();
    try {
      Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      try {
        Files.writeString(tmp, line, StandardCharsets.UTF_8);
        try {
          Files.move(
              tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new KeyFileException(
          "cannot write certificate to " + target + ": " + e.getMessage(), e);
    }
    return target.toString();
  }
}
