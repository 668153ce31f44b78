package dev.bastion.proxy;

import dev.bastion.keys.CertifiedUser;
import dev.bastion.oidc.SignedIn;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.SsoLogin;
import dev.bastion.web.WebRight;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * The bastion's own commands, reached with a user name without {@code @}: {@code targets} (what you
 * may reach), {@code whoami}, {@code web-login}, {@code cert} (after single sign-on), {@code help}.
 * An interactive login shows {@code help}.
 */
final class BuiltinCommands {
  private final SessionServices services;
  private final CertifiedUser user;
  private final Optional<SsoLogin> sso;
  private final String source;
  private final ClientChannel client;

  BuiltinCommands(
      SessionServices services,
      CertifiedUser user,
      Optional<SsoLogin> sso,
      String source,
      ClientChannel client) {
    this.services = services;
    this.user = user;
    this.sso = sso;
    this.source = source;
    this.client = client;
  }

  void run(SessionKind kind, String commandLine) {
    if (kind == SessionKind.SFTP) {
      client.refuse("sftp needs a target: sftp -P PORT LOGIN@TARGET@BASTION", 1);
      return;
    }
    String command =
        kind == SessionKind.SHELL || commandLine == null ? "help" : commandLine.strip();
    List<String> words = List.of(command.split("\\s+"));
    if (words.get(0).equals("cert")) {
      cert(words.subList(1, words.size()));
      return;
    }
    switch (command) {
      case "help", "" -> print(help(), 0);
      case "targets" -> print(targets(), 0);
      case "whoami" -> print(whoami(), 0);
      case "web-login" -> webLogin();
      default ->
          client.refuse(
              "unknown command '"
                  + command
                  + "'; the bastion's commands are targets, whoami, web-login"
                  + (services.ssoCertificates().isPresent() ? ", cert" : "")
                  + " and help,"
                  + " and LOGIN@TARGET as user name reaches a target",
              1);
    }
  }

  private String help() {
    return String.join(
        "\n",
        "bastion: you are logged in as " + VisibleText.escape(user.identity()) + ".",
        "",
        "Reach a target by naming it in the user name:",
        "  ssh -p PORT LOGIN@TARGET@BASTION [command]",
        "  scp -P PORT file LOGIN@TARGET@BASTION:path",
        "  sftp -P PORT LOGIN@TARGET@BASTION",
        "",
        "The bastion's own commands (ssh -p PORT you@BASTION COMMAND):",
        "  targets   the targets and logins you may use",
        "  whoami    who your certificate says you are",
        "  web-login a one-time link (60 seconds) to the web viewer",
        services.ssoCertificates().isPresent()
            ? "  cert      after single sign-on, a certificate for the key you connected with\n"
                + "            (ssh -i ~/.ssh/id_ed25519 -p PORT you@BASTION cert"
                + " > ~/.ssh/id_ed25519-cert.pub)\n"
                + "  help      this text"
            : "  help      this text",
        "");
  }

  /** {@code cert [--ttl D] [--source-address[=CIDR,...]]}: see {@link SsoCertificates}. */
  private void cert(List<String> args) {
    if (services.ssoCertificates().isEmpty()) {
      client.refuse(
          "cert issues certificates after single sign-on, which this bastion does not offer"
              + " (no oidc: in its configuration); ask its admin for a certificate",
          1);
      return;
    }
    if (sso.isEmpty()) {
      client.refuse(
          "cert issues certificates after single sign-on; you logged in with a certificate", 1);
      return;
    }
    if (sso.get().provenKey().isEmpty()) {
      client.refuse(
          "no key was proven on this connection, so there is nothing to certify; connect with the"
              + " key you want certified: ssh -i ~/.ssh/id_ed25519 -p PORT me@BASTION cert"
              + " (an Ed25519, ECDSA or RSA 3072+ key)",
          1);
      return;
    }
    CompletableFuture<SsoCertificates.Issued> issued;
    try {
      issued =
          services
              .ssoCertificates()
              .get()
              .issue(user, sso.get(), sso.get().provenKey().get(), source, args);
    } catch (IllegalArgumentException e) {
      client.refuse(e.getMessage(), 1);
      return;
    }
    issued.whenComplete(
        (certificate, failure) -> {
          if (failure != null) {
            client.refuse(
                "the audit log cannot be written, so no certificate is issued; tell the bastion's"
                    + " operators",
                1);
            return;
          }
          client.tell(certificate.summary(), () -> print(certificate.line() + "\n", 0));
        });
  }

  private String targets() {
    Map<String, List<String>> reachable = services.policy().reachable(user);
    if (reachable.isEmpty()) {
      List<String> roles = services.policy().rolesOf(user);
      return "no targets for your roles ("
          + String.join(",", roles)
          + ")"
          + (!roles.isEmpty() && services.policy().reachesNoTarget(roles)
              ? "; they grant web rights only ("
                  + services.policy().rightsOf(user).stream()
                      .map(WebRight::word)
                      .collect(Collectors.joining(","))
                  + "): 'web-login' opens the web viewer"
              : "")
          + "\n";
    }
    int width = Math.max(6, reachable.keySet().stream().mapToInt(String::length).max().orElse(6));
    StringBuilder out =
        new StringBuilder(String.format("%-" + width + "s  %s%n", "TARGET", "LOGINS"));
    reachable.forEach(
        (target, logins) ->
            out.append(String.format("%-" + width + "s  %s%n", target, String.join(",", logins))));
    return out.toString();
  }

  /**
   * A one-time link (60 s) to the web viewer for this certificate's identity and rights, printed
   * once the fleet's shared map holds it (this thread does not wait for that).
   */
  private void webLogin() {
    services
        .webLogin()
        .linkFor(user)
        .whenComplete(
            (link, failure) -> {
              if (failure != null) {
                client.refuse(
                    "no web login link can be issued now (the bastion cannot keep it); try again"
                        + " or tell the bastion's operators",
                    1);
                return;
              }
              print(link + "\n", 0);
            });
  }

  private String whoami() {
    List<String> roles = services.policy().rolesOf(user);
    if (sso.isPresent()) {
      SignedIn person = sso.get().signedIn();
      return String.join(
          "\n",
          "identity:    " + VisibleText.escape(user.identity()),
          "roles:       " + (roles.isEmpty() ? "(none)" : String.join(",", roles)),
          "groups:      " + VisibleText.escape(String.join(",", person.groups())),
          "login:       signed in with "
              + sso.get().providerName()
              + " (SSO) until "
              + user.validBefore()
              + " (issuer "
              + person.issuer()
              + ", sign-in serial "
              + user.serialText()
              + ")",
          "key:         "
              + (user.keyFingerprint().isEmpty()
                  ? "none proven ('cert' needs one: ssh -i KEY ...)"
                  : user.keyFingerprint()),
          "from:        " + source,
          "");
    }
    return String.join(
        "\n",
        "identity:    " + VisibleText.escape(user.identity()),
        "roles:       " + (roles.isEmpty() ? "(none)" : String.join(",", roles)),
        "principals:  " + VisibleText.escape(String.join(",", user.principals())),
        "certificate: serial "
            + user.serialText()
            + ", signed by "
            + user.caFingerprint()
            + (user.validBefore().equals(Instant.MAX)
                ? ", valid forever"
                : ", valid until " + user.validBefore()),
        "from:        " + source,
        "");
  }

  private void print(String text, int status) {
    String eol = client.hasPty() ? "\r\n" : "\n";
    byte[] bytes = text.replace("\n", eol).getBytes(StandardCharsets.UTF_8);
    try {
      client.out().writeBuffer(new ByteArrayBuffer(bytes)).addListener(done -> client.exit(status));
    } catch (Exception e) {
      client.exit(1);
    }
  }
}
