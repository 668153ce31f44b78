package dev.bastion.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks {@code cluster:}: this node's name, where it listens for the other nodes, and who they
 * are. A fleet shares its database, so {@code cluster:} needs {@code database:} (PostgreSQL): the
 * embedded H2 file belongs to one node.
 */
final class ClusterSettings extends ConfigValues {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  ClusterSettings(String source) {
    super(source);
  }

  Optional<BastionConfig.Cluster> check(RawConfig.Cluster raw, boolean sharedDatabase) {
    if (raw == null) {
      return Optional.empty();
    }
    if (raw.name() == null || !NAME.matcher(raw.name()).matches()) {
      throw fail(
          "cluster.name",
          raw.name() == null ? "(missing)" : raw.name(),
          "names this node in the fleet (letters, digits, '.', '_', '-'; at most 63), such as"
              + " bastion-1; every node needs its own");
    }
    if (raw.listen() == null || raw.listen().isBlank()) {
      throw fail(
          "cluster.listen",
          "(missing)",
          "is where this node meets the others, such as 10.0.0.11:5701 (a private address)");
    }
    InetSocketAddress listen =
        resolved("cluster.listen", address("cluster.listen", raw.listen(), -1));
    if (listen.getPort() == 0 || listen.getPort() == 65535) {
      throw fail(
          "cluster.listen",
          raw.listen(),
          "needs a fixed port below 65535 (the event bus uses the next port)");
    }
    if (listen.getAddress().isAnyLocalAddress()) {
      throw fail(
          "cluster.listen",
          raw.listen(),
          "must be this node's own address on the private network, not a wildcard: the other"
              + " nodes connect to it");
    }
    List<InetSocketAddress> members = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String member : nonEmpty("cluster.members", raw.members())) {
      InetSocketAddress address = address("cluster.members", member.strip(), 5701);
      if (!seen.add(address.getHostString() + ":" + address.getPort())) {
        throw fail("cluster.members", member, "is listed twice");
      }
      members.add(address);
    }
    if (!sharedDatabase) {
      throw fail(
          "cluster",
          raw.name(),
          "needs a database every node shares: configure database.url (PostgreSQL); the"
              + " embedded database belongs to one node");
    }
    return Optional.of(new BastionConfig.Cluster(raw.name(), listen, List.copyOf(members)));
  }
}
