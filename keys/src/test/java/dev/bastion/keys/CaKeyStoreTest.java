package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaKeyStoreTest {
  @TempDir Path dataDir;

  @Test
  void initCreatesThreeEd25519CasWithPrivateKeysReadableOnlyByTheOwner() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    assertEquals(List.of(CaKind.USER, CaKind.HOST, CaKind.UPSTREAM), store.init());
    for (CaKind kind : CaKind.values()) {
      Path priv = store.privateKeyFile(kind);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
      assertTrue(OpenSsh.read(store.publicKeyFile(kind)).startsWith("ssh-ed25519 "));
    }
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())));
  }

  @Test
  void secondInitCreatesNothingAndKeepsTheSameKeys() {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    String before = store.load(CaKind.USER).publicKeyLine();
    assertEquals(List.of(), store.init());
    assertEquals(before, new CaKeyStore(dataDir).load(CaKind.USER).publicKeyLine());
  }

  @Test
  void privateKeyIsInOpenSshFormatThatSshKeygenReads() {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    String derived =
        ExternalCommand.of(
                "ssh-keygen", "-y", "-f", store.privateKeyFile(CaKind.UPSTREAM).toString())
            .run()
            .orThrow()
            .stdout();
    String ours = OpenSsh.read(store.publicKeyFile(CaKind.UPSTREAM));
    assertEquals(ours.split(" ")[1], derived.strip().split(" ")[1]);
  }

  @Test
  void corruptPrivateKeyIsRefusedNamingTheFile() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    Path priv = store.privateKeyFile(CaKind.HOST);
    Files.writeString(
        priv, "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n-----END OPENSSH PRIVATE KEY-----\n");
    KeyFileException e = assertThrows(KeyFileException.class, () -> store.load(CaKind.HOST));
    assertTrue(e.getMessage().contains(priv.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
  }

  @Test
  void privateKeyReadableByOthersIsRefusedWithTheFix() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    Path priv = store.privateKeyFile(CaKind.USER);
    Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-r--r--"));
    KeyFileException e = assertThrows(KeyFileException.class, () -> store.load(CaKind.USER));
    assertTrue(e.getMessage().contains("loose permissions (rw-r--r--)"), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600 " + priv), e.getMessage());
  }

  @Test
  void publicKeyThatDoesNotMatchItsPrivateKeyIsRefused() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    Files.copy(
        store.publicKeyFile(CaKind.HOST),
        store.publicKeyFile(CaKind.USER),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    KeyFileException e = assertThrows(KeyFileException.class, () -> store.load(CaKind.USER));
    assertTrue(e.getMessage().contains("does not match its private key"), e.getMessage());
  }

  @Test
  void initNeverReplacesAPublicKeyWhosePrivateKeyWentMissing() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    String pub = OpenSsh.read(store.publicKeyFile(CaKind.UPSTREAM));
    Files.delete(store.privateKeyFile(CaKind.UPSTREAM));
    KeyFileException e = assertThrows(KeyFileException.class, store::init);
    assertTrue(e.getMessage().contains("is missing"), e.getMessage());
    assertEquals(pub, OpenSsh.read(store.publicKeyFile(CaKind.UPSTREAM)));
  }

  @Test
  void missingPublicKeyIsRecreatedFromThePrivateKey() throws Exception {
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    String pub = OpenSsh.read(store.publicKeyFile(CaKind.HOST));
    Files.delete(store.publicKeyFile(CaKind.HOST));
    assertEquals(List.of(), store.init());
    assertEquals(pub, OpenSsh.read(store.publicKeyFile(CaKind.HOST)));
  }

  @Test
  void loadingAMissingCaSaysToRunInit() {
    KeyFileException e =
        assertThrows(KeyFileException.class, () -> new CaKeyStore(dataDir).load(CaKind.USER));
    assertTrue(e.getMessage().contains("bastion ca init"), e.getMessage());
  }
}
