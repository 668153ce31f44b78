package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.recorder.VisibleText;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits a key exchange that failed because the client offered nothing the bastion accepts (a
 * client without AES-GCM or AES-CTR, with SHA-1 MACs only): a {@code negotiation_failed} row with
 * the client's identification line and what it offered, merged by the {@link RefusalTally} like
 * other refusals. MINA reports it on its I/O thread; the tally does not block.
 */
final class FailedNegotiation implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(FailedNegotiation.class);

  /** Bound of each quoted offer and of the identification line in the detail column. */
  private static final int OFFER_CHARS = 300;

  /** What is compared, in the order a mismatch is named; MACs only count without an AEAD cipher. */
  private static final List<KexProposalOption> CHECKED =
      List.of(
          KexProposalOption.ALGORITHMS,
          KexProposalOption.SERVERKEYS,
          KexProposalOption.C2SENC,
          KexProposalOption.S2CENC,
          KexProposalOption.C2SMAC,
          KexProposalOption.S2CMAC,
          KexProposalOption.C2SCOMP,
          KexProposalOption.S2CCOMP);

  private final RefusalTally tally;
  private final Clock clock;

  FailedNegotiation(RefusalTally tally, Clock clock) {
    this.tally = tally;
    this.clock = clock;
  }

  @Override
  public void sessionNegotiationEnd(
      Session session,
      Map<KexProposalOption, String> clientProposal,
      Map<KexProposalOption, String> serverProposal,
      Map<KexProposalOption, String> negotiatedOptions,
      Throwable reason) {
    if (reason == null || !session.isServerSession()) {
      return;
    }
    InetAddress address = CertificateLogin.address(session.getIoSession().getRemoteAddress());
    String source = address == null ? null : address.getHostAddress();
    String missing = nothingInCommon(clientProposal, serverProposal);
    String detail =
        "client "
            + VisibleText.fit(session.getClientVersion(), OFFER_CHARS)
            + (missing == null ? " failed key exchange" : " offered no " + missing + " we accept")
            + "; ciphers "
            + offered(clientProposal, KexProposalOption.C2SENC)
            + "; macs "
            + offered(clientProposal, KexProposalOption.C2SMAC)
            + "; kex "
            + offered(clientProposal, KexProposalOption.ALGORITHMS)
            + "; host keys "
            + offered(clientProposal, KexProposalOption.SERVERKEYS);
    boolean first =
        tally.refused(
            new AuditEvent(
                clock.instant(),
                AuditKind.NEGOTIATION_FAILED,
                null,
                null,
                source,
                null,
                null,
                null,
                missing == null ? "other" : missing.replace(' ', '_'),
                detail));
    if (first) {
      LOG.info("key exchange with {} failed: {}", source, detail);
    }
  }

  private static String offered(Map<KexProposalOption, String> proposal, KexProposalOption option) {
    String names = proposal == null ? null : proposal.get(option);
    return "[" + VisibleText.fit(names == null ? "" : names, OFFER_CHARS) + "]";
  }

  /** The first kind of algorithm the two offers share none of, or null. */
  static String nothingInCommon(
      Map<KexProposalOption, String> client, Map<KexProposalOption, String> server) {
    if (client == null || server == null) {
      return null;
    }
    boolean aead = common(client, server, KexProposalOption.C2SENC).contains("gcm@openssh.com");
    for (KexProposalOption option : CHECKED) {
      boolean mac = option == KexProposalOption.C2SMAC || option == KexProposalOption.S2CMAC;
      if (!(mac && aead) && common(client, server, option).isEmpty()) {
        return switch (option) {
          case ALGORITHMS -> "key exchange";
          case SERVERKEYS -> "host key";
          case C2SENC, S2CENC -> "cipher";
          case C2SMAC, S2CMAC -> "mac";
          default -> "compression";
        };
      }
    }
    return null;
  }

  /** The client's first choice that the server offers too, or "". */
  private static String common(
      Map<KexProposalOption, String> client,
      Map<KexProposalOption, String> server,
      KexProposalOption option) {
    List<String> ours = names(server.get(option));
    return names(client.get(option)).stream().filter(ours::contains).findFirst().orElse("");
  }

  private static List<String> names(String list) {
    return list == null || list.isEmpty() ? List.of() : Arrays.asList(list.split(","));
  }
}
