package dev.bastion.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.web.WebRight;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TargetPolicyTest {
  static final String KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOBa+SuSTtCXdCIl5/kGuy3CPjFmoggjUjAEahAHZNDk";
  static final BastionConfig CONFIG =
      ConfigLoader.parse(
          "t.yaml",
          String.join(
              "\n",
              "targets:",
              "  web01: {address: 'h1', host_key: '" + KEY + "', logins: [deploy, root]}",
              "  web02: {address: 'h2', host_key: '" + KEY + "', logins: [deploy]}",
              "  db01:  {address: 'h3', host_key: '" + KEY + "', logins: [postgres, deploy]}",
              "roles:",
              "  ops: {targets: ['web*'], logins: [deploy]}",
              "  dba: {targets: ['db?1'], logins: [postgres]}",
              "  admin: {targets: ['web0[1]'], logins: [root]}",
              "  reviewer: {targets: [], can: [approve, shadow]}",
              ""));
  final TargetPolicy policy = new TargetPolicy(CONFIG);

  static CertifiedUser user(String... principals) {
    return new CertifiedUser(
        "alice", List.of(principals), 7, "SHA256:ca", "SHA256:key", Instant.MAX, new TreeMap<>());
  }

  @Test
  void roleGrantsMatchingTargetsAndLogins() throws Exception {
    Grant grant = policy.authorize(user("ops"), "deploy", "web02");
    assertEquals("web02", grant.target().name());
    assertEquals(List.of("ops"), grant.roles());
    assertEquals(7, grant.serial());
  }

  @Test
  void eachRefusalSaysWhy() {
    assertEquals(
        "unknown_target",
        assertThrows(AccessDenied.class, () -> policy.authorize(user("ops"), "deploy", "web99"))
            .code());
    AccessDenied noRole =
        assertThrows(AccessDenied.class, () -> policy.authorize(user("intern"), "deploy", "web01"));
    assertEquals(
        "your certificate's principals (intern) name no role of this bastion", noRole.getMessage());
    AccessDenied target =
        assertThrows(AccessDenied.class, () -> policy.authorize(user("ops"), "deploy", "db01"));
    assertEquals("target db01 is not allowed for your roles (ops)", target.getMessage());
    AccessDenied login =
        assertThrows(AccessDenied.class, () -> policy.authorize(user("ops"), "root", "web01"));
    assertEquals(
        "login 'root' is not allowed on web01 for your roles (ops); allowed: deploy",
        login.getMessage());
  }

  @Test
  void aWebOnlyRoleReachesNoTargetAndSaysSoButKeepsItsRights() throws Exception {
    AccessDenied refused =
        assertThrows(
            AccessDenied.class, () -> policy.authorize(user("reviewer"), "deploy", "web01"));
    assertEquals(
        "your roles (reviewer) grant web rights only and reach no target;"
            + " ask for a role with targets",
        refused.getMessage());
    assertEquals(Map.of(), policy.reachable(user("reviewer")));
    assertEquals(Set.of(WebRight.APPROVE, WebRight.SHADOW), policy.rightsOf(user("reviewer")));
    assertEquals(
        List.of("ops"), policy.authorize(user("reviewer", "ops"), "deploy", "web01").roles());
    assertEquals(
        "target db01 is not allowed for your roles (reviewer,ops)",
        assertThrows(
                AccessDenied.class,
                () -> policy.authorize(user("reviewer", "ops"), "deploy", "db01"))
            .getMessage());
  }

  @Test
  void aLoginMustBeAllowedByTheRoleAndByTheTarget() throws Exception {
    assertEquals(List.of("admin"), policy.authorize(user("ops", "admin"), "root", "web01").roles());
    assertThrows(AccessDenied.class, () -> policy.authorize(user("admin"), "root", "web02"));
    assertThrows(AccessDenied.class, () -> policy.authorize(user("dba"), "deploy", "db01"));
  }

  @Test
  void reachableListsTargetsWithTheirLogins() {
    assertEquals(
        Map.of(
            "web01",
            List.of("deploy", "root"),
            "web02",
            List.of("deploy"),
            "db01",
            List.of("postgres")),
        policy.reachable(user("ops", "admin", "dba")));
  }
}
