package dev.bastion.ssh;

import java.util.List;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;

/**
 * Modern algorithms only, on both legs: no CBC, no SHA-1 MACs or signatures, no SHA-1 key exchange.
 * The client's preference decides, and OpenSSH clients prefer chacha20-poly1305, then AES-CTR with
 * HMAC, both several times the CPU of AES-GCM in Java (docs/BENCHMARKS.md). So the bastion offers
 * OpenSSH and PuTTY AES-GCM only, other engineers' clients AES-GCM and then AES-CTR ({@link
 * CipherOffer}: Paramiko before 3.5 and Dropbear lack GCM), and targets AES-GCM first with AES-CTR
 * as fallback. Strict KEX (the Terrapin fix) is negotiated by MINA itself. Engineers get no NIST
 * ECDH curves (ssh-audit fails them); MACs are encrypt-then-MAC only, compression only after login
 * ({@code zlib@openssh.com}), and both legs announce themselves as {@code SSH-2.0-bastion}, without
 * the library and its version.
 */
public final class Algorithms {
  private Algorithms() {}

  static final List<BuiltinCiphers> SERVER_CIPHERS =
      List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm);

  /** For targets, and for engineers' clients that may lack GCM. */
  static final List<BuiltinCiphers> GCM_THEN_CTR =
      List.of(
          BuiltinCiphers.aes128gcm,
          BuiltinCiphers.aes256gcm,
          BuiltinCiphers.aes128ctr,
          BuiltinCiphers.aes192ctr,
          BuiltinCiphers.aes256ctr);

  /** The software version both legs announce: {@code SSH-2.0-bastion}. */
  static final String IDENTIFICATION = "bastion";

  static final List<BuiltinMacs> MACS =
      List.of(BuiltinMacs.hmacsha256etm, BuiltinMacs.hmacsha512etm);

  static final List<BuiltinCompressions> COMPRESSIONS =
      List.of(BuiltinCompressions.none, BuiltinCompressions.delayedZlib);

  /** Key exchanges engineers' clients may use: no NIST curves. */
  static final List<BuiltinDHFactories> SERVER_KEX =
      List.of(
          BuiltinDHFactories.mlkem768x25519,
          BuiltinDHFactories.sntrup761x25519,
          BuiltinDHFactories.sntrup761x25519_openssh,
          BuiltinDHFactories.curve25519,
          BuiltinDHFactories.curve25519_libssh,
          BuiltinDHFactories.dhg16_512,
          BuiltinDHFactories.dhg18_512,
          BuiltinDHFactories.dhg14_256);

  /** Key exchanges offered to targets; NIST curves kept for targets without curve25519. */
  static final List<BuiltinDHFactories> CLIENT_KEX =
      List.of(
          BuiltinDHFactories.mlkem768x25519,
          BuiltinDHFactories.sntrup761x25519,
          BuiltinDHFactories.sntrup761x25519_openssh,
          BuiltinDHFactories.curve25519,
          BuiltinDHFactories.curve25519_libssh,
          BuiltinDHFactories.ecdhp256,
          BuiltinDHFactories.ecdhp384,
          BuiltinDHFactories.ecdhp521,
          BuiltinDHFactories.dhg16_512,
          BuiltinDHFactories.dhg18_512,
          BuiltinDHFactories.dhg14_256);

  /** Host key and user key signatures we accept; never ssh-rsa (SHA-1) or DSA. */
  static final List<BuiltinSignatures> SIGNATURES =
      List.of(
          BuiltinSignatures.ed25519_cert,
          BuiltinSignatures.nistp256_cert,
          BuiltinSignatures.nistp384_cert,
          BuiltinSignatures.nistp521_cert,
          BuiltinSignatures.rsaSHA512_cert,
          BuiltinSignatures.rsaSHA256_cert,
          BuiltinSignatures.ed25519,
          BuiltinSignatures.nistp256,
          BuiltinSignatures.nistp384,
          BuiltinSignatures.nistp521,
          BuiltinSignatures.rsaSHA512,
          BuiltinSignatures.rsaSHA256);

  /** The algorithms engineers' clients may use with the bastion. */
  public static void apply(SshServer server) {
    server.setCipherFactories(supported(SERVER_CIPHERS));
    server.setMacFactories(supported(MACS));
    server.setSignatureFactories(supported(SIGNATURES));
    server.setCompressionFactories(supported(COMPRESSIONS));
    server.setKeyExchangeFactories(
        NamedFactory.setUpTransformedFactories(false, SERVER_KEX, ServerBuilder.DH2KEX));
    CoreModuleProperties.SERVER_IDENTIFICATION.set(server, IDENTIFICATION);
    server.addSessionListener(new CipherOffer());
  }

  /** The algorithms the bastion offers targets. */
  public static void apply(SshClient client) {
    client.setCipherFactories(supported(GCM_THEN_CTR));
    client.setMacFactories(supported(MACS));
    client.setSignatureFactories(supported(SIGNATURES));
    client.setCompressionFactories(supported(COMPRESSIONS));
    client.setKeyExchangeFactories(
        NamedFactory.setUpTransformedFactories(false, CLIENT_KEX, ClientBuilder.DH2KEX));
    CoreModuleProperties.CLIENT_IDENTIFICATION.set(client, IDENTIFICATION);
  }

  /** The factories this JVM supports, in our order of preference. */
  static <T, F extends NamedFactory<T> & org.apache.sshd.common.OptionalFeature>
      List<NamedFactory<T>> supported(List<F> preferred) {
    return new java.util.ArrayList<>(NamedFactory.setUpBuiltinFactories(false, preferred));
  }
}
