package dev.bastion.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.kex.DHGClient;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.digest.Digest;
import org.apache.sshd.common.kex.AbstractDH;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.BuiltinKEM;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyEncapsulationMethod;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.kex.MontgomeryCurve;
import org.apache.sshd.common.kex.XDH;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sntrup761 half of the bastion's post-quantum key exchange with targets, with its key pair
 * made ahead of time. In that exchange the bastion (the client) generates an sntrup761 key pair,
 * which in Java takes 40 to 100 ms, the largest single step of a session's setup
 * (docs/BENCHMARKS.md). A background thread keeps a few key pairs ready; each is taken out and used
 * for exactly one key exchange, as a freshly generated one would be, and the X25519 half is still
 * generated during the exchange. When none is ready (a burst of sessions), the exchange generates
 * its own, as before.
 */
final class PreparedKeyExchange implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PreparedKeyExchange.class);

  /** Key pairs kept ready: enough for a few sessions starting together; about 2 KB each. */
  static final int READY = 4;

  private final BlockingQueue<KeyEncapsulationMethod.Client> ready =
      new ArrayBlockingQueue<>(READY);
  private final Thread maker;
  private volatile boolean closed;

  PreparedKeyExchange() {
    maker = new Thread(this::keepReady, "upstream-kex-keys");
    maker.setDaemon(true);
    maker.setPriority(Thread.MIN_PRIORITY);
  }

  /**
   * Replaces the client's sntrup761x25519 key exchanges (both names) with ones that take prepared
   * key pairs, and starts preparing them. Nothing changes when this JVM cannot do sntrup761.
   */
  void install(SshClient client) {
    if (!BuiltinKEM.sntrup761.isSupported()) {
      return;
    }
    List<KeyExchangeFactory> replaced = new ArrayList<>();
    for (KeyExchangeFactory factory : client.getKeyExchangeFactories()) {
      if (factory.getName().equals(BuiltinDHFactories.sntrup761x25519.getName())
          || factory.getName().equals(BuiltinDHFactories.sntrup761x25519_openssh.getName())) {
        replaced.add(DHGClient.newFactory(new Sntrup761x25519(factory.getName())));
      } else {
        replaced.add(factory);
      }
    }
    client.setKeyExchangeFactories(replaced);
    maker.start();
  }

  /** A ready key pair, or a new one when none is ready. */
  KeyEncapsulationMethod.Client take() {
    KeyEncapsulationMethod.Client prepared = ready.poll();
    if (prepared != null) {
      return prepared;
    }
    KeyEncapsulationMethod.Client fresh = BuiltinKEM.sntrup761.getClient();
    fresh.init();
    return fresh;
  }

  private void keepReady() {
    try {
      while (!closed) {
        KeyEncapsulationMethod.Client prepared = BuiltinKEM.sntrup761.getClient();
        prepared.init();
        ready.put(prepared);
      }
    } catch (InterruptedException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.warn(
          "preparing sntrup761 key pairs stopped; key exchanges make their own: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    maker.interrupt();
    ready.clear();
  }

  /**
   * sntrup761x25519-sha512 as MINA defines it (X25519 raw, SHA-512, the sntrup761 KEM), with the
   * KEM key pair from {@link #take()}.
   */
  private final class Sntrup761x25519 implements DHFactory {
    private final String name;

    Sntrup761x25519(String name) {
      this.name = name;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean isSupported() {
      return true;
    }

    @Override
    public boolean isGroupExchange() {
      return false;
    }

    @Override
    public AbstractDH create(Object... params) throws Exception {
      KeyEncapsulationMethod kem = new PreparedKem();
      return new XDH(MontgomeryCurve.x25519, true) {
        @Override
        public Digest getHash() throws Exception {
          return BuiltinDigests.sha512.create();
        }

        @Override
        public KeyEncapsulationMethod getKeyEncapsulation() {
          return kem;
        }
      };
    }
  }

  /** The client side takes a prepared key pair; a bastion client never acts as the server. */
  private final class PreparedKem implements KeyEncapsulationMethod {
    @Override
    public Client getClient() {
      return new Client() {
        private Client pair;

        @Override
        public void init() {
          pair = take();
        }

        @Override
        public byte[] getPublicKey() {
          return pair.getPublicKey();
        }

        @Override
        public byte[] extractSecret(byte[] encapsulated) {
          return pair.extractSecret(encapsulated);
        }

        @Override
        public int getEncapsulationLength() {
          return pair.getEncapsulationLength();
        }
      };
    }

    @Override
    public Server getServer() {
      return BuiltinKEM.sntrup761.getServer();
    }
  }
}
