package dev.bastion.ssh;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * Which ciphers the bastion offers an engineer's client, decided by its identification line, which
 * MINA reads just before it sends its own key exchange offer. The client's preference picks the
 * cipher (RFC 4253 7.1), and OpenSSH and PuTTY put AES-CTR before AES-GCM, which costs several
 * times the CPU in Java (docs/BENCHMARKS.md); both have AES-GCM (OpenSSH 6.2+, PuTTY 0.76+), so
 * they are offered AES-GCM only. Every other client (Paramiko before 3.5, Dropbear, older PuTTY) is
 * offered AES-GCM first and AES-CTR after it, always with encrypt-then-MAC SHA-2 MACs.
 */
final class CipherOffer implements SessionListener {
  private static final Pattern PUTTY = Pattern.compile("SSH-2\\.0-PuTTY_Release_0\\.(\\d+)\\b.*");

  @Override
  public void sessionPeerIdentificationReceived(
      Session session, String version, List<String> extraLines) {
    if (session.isServerSession() && !prefersCtrButHasGcm(version)) {
      session.setCipherFactories(Algorithms.supported(Algorithms.GCM_THEN_CTR));
    }
  }

  /** Whether the client has AES-GCM but would choose AES-CTR if it were offered. */
  static boolean prefersCtrButHasGcm(String version) {
    if (version == null) {
      return false;
    }
    if (version.startsWith("SSH-2.0-OpenSSH_")) {
      return true;
    }
    Matcher putty = PUTTY.matcher(version);
    return putty.matches()
        && putty.group(1).length() <= 3
        && Integer.parseInt(putty.group(1)) >= 76;
  }
}
