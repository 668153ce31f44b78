package dev.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster:} as an admin writes it in bastion.yaml. */
class ClusterSettingsTest {
  private static final String DATABASE =
      "database:\n  url: jdbc:postgresql://db.example.com/bastion\n  user: bastion\n";

  @TempDir Path dir;

  private BastionConfig parse(String yaml) {
    return ConfigLoader.parse("t.yaml", DATABASE + yaml, dir, name -> "secret");
  }

  private String refused(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void withoutClusterTheNodeIsAlone() {
    assertEquals(Optional.empty(), parse("").cluster());
  }

  @Test
  void aNodeKnowsItsNameItsAddressesAndTheOthers() {
    BastionConfig.Cluster cluster =
        parse(
                "cluster:\n  name: bastion-1\n  listen: 127.0.0.1:5701\n"
                    + "  members: [127.0.0.1:5701, 10.0.0.12:5701, 10.0.0.13]\n")
            .cluster()
            .orElseThrow();
    assertEquals("bastion-1", cluster.name());
    assertEquals(5701, cluster.listen().getPort());
    assertEquals(5702, cluster.busPort());
    assertEquals(
        List.of("127.0.0.1:5701", "10.0.0.12:5701", "10.0.0.13:5701"),
        cluster.members().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
  }

  @Test
  void aFleetNeedsASharedDatabase() {
    String message =
        assertThrows(
                ConfigException.class,
                () ->
                    ConfigLoader.parse(
                        "t.yaml",
                        "cluster:\n  name: a\n  listen: 127.0.0.1:5701\n  members: [127.0.0.1]\n",
                        dir,
                        name -> null))
            .getMessage();
    assertTrue(message.contains("cluster") && message.contains("database.url"), message);
  }

  @Test
  void mistakesNameTheKey() {
    String members = "  members: [127.0.0.1:5701]\n";
    assertTrue(refused("cluster:\n  listen: 127.0.0.1:5701\n" + members).contains("cluster.name"));
    assertTrue(
        refused("cluster:\n  name: 'a b'\n  listen: 127.0.0.1:5701\n" + members)
            .contains("cluster.name"));
    assertTrue(refused("cluster:\n  name: a\n" + members).contains("cluster.listen"));
    String wildcard = refused("cluster:\n  name: a\n  listen: 0.0.0.0:5701\n" + members);
    assertTrue(wildcard.contains("cluster.listen") && wildcard.contains("wildcard"), wildcard);
    assertTrue(
        refused("cluster:\n  name: a\n  listen: 127.0.0.1:0\n" + members).contains("fixed port"));
    assertTrue(
        refused("cluster:\n  name: a\n  listen: 127.0.0.1:5701\n").contains("cluster.members"));
    assertTrue(
        refused(
                "cluster:\n  name: a\n  listen: 127.0.0.1:5701\n"
                    + "  members: [127.0.0.1:5701, 127.0.0.1:5701]\n")
            .contains("listed twice"));
  }
}
