package dev.bastion.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import dev.bastion.config.BastionConfig;
import dev.bastion.web.FleetMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node and the others it serves with: one Vert.x instance for the web viewer and for
 * everything nodes tell each other. The event bus between nodes is TLS with the {@link FleetKey} on
 * both sides; Hazelcast's own traffic (membership, shared maps) is not encrypted, so the cluster
 * ports belong on a private network. Alone (no {@code cluster:}), a plain Vert.x whose event bus
 * stays in this process. In a fleet, Vert.x clustered by Hazelcast: members find each other at the
 * configured addresses only (no multicast), each carries its node name, and a member that stops
 * answering for {@link #FAILURE_SECONDS} seconds is declared gone, so the survivors can take over
 * what it left.
 */
public final class Fleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);

  /** How long a silent member stays in the fleet (Hazelcast's heartbeat timeout). */
  static final int FAILURE_SECONDS = 5;

  /** The Hazelcast member attribute holding a node's {@code cluster.name}. */
  private static final String NAME_ATTRIBUTE = "bastion.node";

  /** The Hazelcast member attribute holding a node's {@link FleetKey#fingerprint}. */
  private static final String KEY_ATTRIBUTE = "bastion.fleet-key";

  private final Vertx vertx;
  private final String node;
  private final HazelcastInstance hazelcast;
  private final List<Consumer<String>> leaving = new CopyOnWriteArrayList<>();

  private Fleet(Vertx vertx, String node, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.node = node;
    this.hazelcast = hazelcast;
  }

  /** One node on its own, named {@code node}. */
  public static Fleet alone(String node) {
    return new Fleet(Vertx.vertx(), node, null);
  }

  /**
   * Joins the fleet (or founds it, when no other member answers); blocks until joined, so never
   * call it on an event loop.
   */
  public static Fleet join(BastionConfig.Cluster cluster, FleetKey key) throws IOException {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(cluster, key));
    EventBusOptions bus =
        new EventBusOptions()
            .setHost(cluster.listen().getAddress().getHostAddress())
            .setPort(cluster.busPort())
            .setClusterNodeMetadata(new JsonObject().put("node", cluster.name()))
            .setSsl(true)
            .setKeyCertOptions(key.keyCert())
            .setTrustOptions(key.trust())
            .setClientAuth(ClientAuth.REQUIRED);
    Vertx vertx;
    try {
      vertx =
          Vertx.builder()
              .with(new VertxOptions().setEventBusOptions(bus))
              .withClusterManager(manager)
              .buildClustered()
              .toCompletionStage()
              .toCompletableFuture()
              .get(2, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(
          "cannot join the cluster at "
              + address(cluster.listen())
              + ": "
              + (e.getCause() == null ? e : e.getCause()).getMessage(),
          e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("joining the cluster took more than 2 minutes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while joining the cluster", e);
    }
    // Keys of the shared web maps are HMACs under the fleet key (see FleetMap).
    vertx
        .sharedData()
        .getLocalMap(FleetMap.KEY_HOLDER)
        .put("key", Buffer.buffer(key.keyFor("web map keys")));
    Fleet fleet = new Fleet(vertx, cluster.name(), manager.getHazelcastInstance());
    for (Member member : fleet.hazelcast.getCluster().getMembers()) {
      if (!member.localMember() && !key.fingerprint().equals(member.getAttribute(KEY_ATTRIBUTE))) {
        String other = member.getAttribute(NAME_ATTRIBUTE);
        fleet.close();
        throw new IOException(
            "node "
                + other
                + " of the fleet has other CA keys than this node: copy the data directory's"
                + " ca/ from the first node to every node");
      }
    }
    long sameName =
        fleet.hazelcast.getCluster().getMembers().stream()
            .filter(m -> cluster.name().equals(m.getAttribute(NAME_ATTRIBUTE)))
            .count();
    if (sameName > 1) {
      fleet.close();
      throw new IOException(
          "cluster.name "
              + cluster.name()
              + " is already used by another node of the fleet; every node needs its own");
    }
    fleet.hazelcast.getCluster().addMembershipListener(fleet.new Departures());
    LOG.info("joined the fleet as {}; members: {}", cluster.name(), fleet.members());
    return fleet;
  }

  private static Config hazelcast(BastionConfig.Cluster cluster, FleetKey key) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName("bastion");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(FAILURE_SECONDS));
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    config.getMemberAttributeConfig().setAttribute(NAME_ATTRIBUTE, cluster.name());
    config.getMemberAttributeConfig().setAttribute(KEY_ATTRIBUTE, key.fingerprint());
    NetworkConfig network = config.getNetworkConfig();
    // A node restarted at once may find its port in TIME_WAIT from the connections it had.
    network.setPort(cluster.listen().getPort()).setPortAutoIncrement(false).setReuseAddress(true);
    network
        .getInterfaces()
        .setEnabled(true)
        .addInterface(cluster.listen().getAddress().getHostAddress());
    network.setPublicAddress(address(cluster.listen()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig()
        .setEnabled(true)
        .setConnectionTimeoutSeconds(2)
        .setMembers(cluster.members().stream().map(Fleet::address).toList());
    return config;
  }

  private static String address(java.net.InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** This node's name: {@code cluster.name}, or the host's name when alone. */
  public String node() {
    return node;
  }

  public boolean clustered() {
    return hazelcast != null;
  }

  /** The names of the nodes in the fleet right now, this one included. */
  public Set<String> members() {
    if (hazelcast == null) {
      return Set.of(node);
    }
    return hazelcast.getCluster().getMembers().stream()
        .map(m -> m.getAttribute(NAME_ATTRIBUTE))
        .filter(java.util.Objects::nonNull)
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * True while this node is part of a working fleet (always when alone): Hazelcast runs and the
   * cluster accepts changes.
   */
  public boolean joined() {
    return hazelcast == null
        || (hazelcast.getLifecycleService().isRunning()
            && hazelcast.getCluster().getClusterState()
                == com.hazelcast.cluster.ClusterState.ACTIVE);
  }

  /**
   * Runs {@code left} with a node's name when it leaves the fleet (stopped, or silent for {@link
   * #FAILURE_SECONDS}), on a Hazelcast thread: hand blocking work to another thread.
   */
  public void onNodeLeft(Consumer<String> left) {
    leaving.add(left);
  }

  /**
   * True on exactly one node of the fleet at a time (the oldest member): the one that acts for the
   * fleet when a node leaves, so that work is done once.
   */
  public boolean oldest() {
    if (hazelcast == null) {
      return true;
    }
    Member first = hazelcast.getCluster().getMembers().iterator().next();
    return first.localMember();
  }

  private final class Departures implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      LOG.info("node {} joined the fleet", event.getMember().getAttribute(NAME_ATTRIBUTE));
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      String name = event.getMember().getAttribute(NAME_ATTRIBUTE);
      LOG.warn("node {} left the fleet", name);
      if (name != null) {
        for (Consumer<String> left : leaving) {
          try {
            left.accept(name);
          } catch (RuntimeException e) {
            LOG.error("handling the departure of node {} failed", name, e);
          }
        }
      }
    }
  }

  /** Leaves the fleet and stops Vert.x. */
  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("stopping Vert.x: {}", e.toString());
    }
  }
}
