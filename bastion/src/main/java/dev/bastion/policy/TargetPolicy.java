package dev.bastion.policy;

import dev.bastion.config.BastionConfig;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.web.WebRight;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Decides whether a certified person may reach a target as a login. A certificate's principals name
 * roles; a role grants target name globs and logins; the target itself lists the logins it accepts.
 * Everything not granted is refused, with the reason.
 */
public final class TargetPolicy {
  private final Map<String, BastionConfig.Target> targets;
  private final Map<String, BastionConfig.Role> roles;

  public TargetPolicy(BastionConfig config) {
    this.targets = config.targets();
    this.roles = config.roles();
  }

  /** The roles a person holds: their certificate principals that name a configured role. */
  public List<String> rolesOf(CertifiedUser user) {
    return user.principals().stream().filter(roles::containsKey).toList();
  }

  /** Web rights ({@code shadow}, {@code terminate}, ...) of all roles a person holds. */
  public java.util.Set<WebRight> rightsOf(CertifiedUser user) {
    return rightsOfRoles(rolesOf(user));
  }

  /** Web rights of these roles together. */
  public java.util.Set<WebRight> rightsOfRoles(java.util.Collection<String> heldRoles) {
    java.util.Set<WebRight> rights = java.util.EnumSet.noneOf(WebRight.class);
    for (String role : heldRoles) {
      BastionConfig.Role r = roles.get(role);
      if (r != null) {
        rights.addAll(r.can());
      }
    }
    return rights;
  }

  /**
   * The roles members of these directory groups hold (single sign-on): every role whose {@code
   * oidc_groups} names one of them, in the order of the configuration. Group names compare exactly.
   */
  public List<String> rolesForGroups(java.util.Collection<String> groups) {
    return roles.values().stream()
        .filter(role -> role.oidcGroups().stream().anyMatch(groups::contains))
        .map(BastionConfig.Role::name)
        .toList();
  }

  /** Decides one {@code LOGIN@TARGET} request. */
  public Grant authorize(CertifiedUser user, String login, String targetName) throws AccessDenied {
    BastionConfig.Target target = targets.get(targetName);
    if (target == null) {
      throw new AccessDenied(
          "unknown_target", "unknown target '" + targetName + "'; 'ssh ... targets' lists yours");
    }
    List<String> held = rolesOf(user);
    if (held.isEmpty()) {
      throw new AccessDenied(
          "no_role",
          "your certificate's principals ("
              + String.join(",", user.principals())
              + ") name no role of this bastion");
    }
    List<String> reaching = new ArrayList<>();
    for (String role : held) {
      if (matchesAny(roles.get(role).targets(), targetName)) {
        reaching.add(role);
      }
    }
    if (reaching.isEmpty() && reachesNoTarget(held)) {
      throw new AccessDenied(
          "target_not_allowed",
          "your roles ("
              + String.join(",", held)
              + ") grant web rights only and reach no target; ask for a role with targets");
    }
    if (reaching.isEmpty()) {
      throw new AccessDenied(
          "target_not_allowed",
          "target "
              + targetName
              + " is not allowed for your roles ("
              + String.join(",", held)
              + ")");
    }
    List<String> granting = new ArrayList<>();
    TreeSet<String> allowed = new TreeSet<>();
    for (String role : reaching) {
      List<String> logins = roles.get(role).logins();
      for (String candidate : logins) {
        if (target.logins().contains(candidate)) {
          allowed.add(candidate);
        }
      }
      if (logins.contains(login)) {
        granting.add(role);
      }
    }
    if (granting.isEmpty() || !target.logins().contains(login)) {
      throw new AccessDenied(
          "login_not_allowed",
          "login '"
              + login
              + "' is not allowed on "
              + targetName
              + " for your roles ("
              + String.join(",", reaching)
              + ")"
              + (allowed.isEmpty() ? "" : "; allowed: " + String.join(", ", allowed)));
    }
    return new Grant(user.identity(), user.serial(), target, login, granting);
  }

  /** Every target this person may reach, with the logins allowed on each, sorted by name. */
  public Map<String, List<String>> reachable(CertifiedUser user) {
    Map<String, List<String>> result = new java.util.TreeMap<>();
    for (BastionConfig.Target target : targets.values()) {
      TreeSet<String> logins = new TreeSet<>();
      for (String role : rolesOf(user)) {
        BastionConfig.Role r = roles.get(role);
        if (matchesAny(r.targets(), target.name())) {
          r.logins().stream().filter(target.logins()::contains).forEach(logins::add);
        }
      }
      if (!logins.isEmpty()) {
        result.put(target.name(), List.copyOf(logins));
      }
    }
    return result;
  }

  /** True when none of these roles lists a target: they grant web rights only. */
  public boolean reachesNoTarget(List<String> heldRoles) {
    return heldRoles.stream().allMatch(role -> roles.get(role).targets().isEmpty());
  }

  static boolean matchesAny(List<String> globs, String name) {
    return globs.stream().anyMatch(glob -> globToRegex(glob).matcher(name).matches());
  }

  /** Shell-style glob: {@code *} any run, {@code ?} one character, {@code [abc]} a class. */
  static Pattern globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        case '[', ']' -> regex.append(c);
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
