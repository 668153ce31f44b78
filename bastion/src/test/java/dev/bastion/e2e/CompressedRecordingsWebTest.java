package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.Seal;
import dev.bastion.testsupport.OpenSsh;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web viewer serves recordings stored compressed and plain alike: zstd as stored to clients
 * that decode it (Content-Encoding), decoded to those that do not, byte for byte the same text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressedRecordingsWebTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHROMIUM_ACCEPTS = "gzip, deflate, br, zstd";
  Path dir;
  GatewayFixture gw;
  WebClient alice;
  WebClient bob;
  WebDriver browser;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw = GatewayFixture.start(dir, "");
    Path bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        bobKey,
        "bob@example.com",
        List.of("viewer"),
        Duration.ofHours(1));
    alice = new WebClient(gw, gw.userKey);
    bob = new WebClient(gw, bobKey);
    browser = HeadlessChromium.start(dir);
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aSealedZstdRecordingGoesOutAsStoredToZstdClientsAndDecodedToTheRest() throws Exception {
    Path zst = recorded("printf 'compressed gr\\303\\274\\303\\237e \\342\\202\\254\\n'", true);
    String id = RecordingFormat.sessionIdOf(zst);
    byte[] stored = Files.readAllBytes(zst);
    byte[] plain = RecordingFormat.readPlain(zst);
    assertTrue(new String(plain, StandardCharsets.UTF_8).contains("compressed grüße €"));

    HttpResponse<byte[]> encoded = get(alice, id + ".cast", CHROMIUM_ACCEPTS);
    assertEquals(200, encoded.statusCode());
    assertEquals(Optional.of("zstd"), encoded.headers().firstValue("Content-Encoding"));
    assertEquals(Optional.of("Accept-Encoding"), encoded.headers().firstValue("Vary"));
    assertEquals(
        Optional.of("application/x-asciicast"), encoded.headers().firstValue("Content-Type"));
    assertArrayEquals(stored, encoded.body(), "the file as stored, no second encoding");
    try (InputStream decoded = new ZstdInputStream(new ByteArrayInputStream(encoded.body()))) {
      assertArrayEquals(plain, decoded.readAllBytes());
    }
    for (String accepts : new String[] {null, "gzip, deflate, br", "gzip, zstd;q=0"}) {
      HttpResponse<byte[]> decoded = get(alice, id + ".cast", accepts);
      assertEquals(200, decoded.statusCode());
      assertEquals(Optional.empty(), decoded.headers().firstValue("Content-Encoding"), accepts);
      assertEquals(Optional.of("Accept-Encoding"), decoded.headers().firstValue("Vary"));
      assertArrayEquals(plain, decoded.body(), "plain text for Accept-Encoding " + accepts);
    }

    HttpResponse<byte[]> original = get(alice, id + ".cast.zst", CHROMIUM_ACCEPTS);
    assertEquals(200, original.statusCode());
    assertEquals(Optional.of("application/zstd"), original.headers().firstValue("Content-Type"));
    assertEquals(Optional.empty(), original.headers().firstValue("Content-Encoding"));
    assertArrayEquals(stored, original.body());
    HttpResponse<byte[]> seal = get(alice, id + ".cast.seal", null);
    assertArrayEquals(Files.readAllBytes(Seal.sealFileOf(zst)), seal.body());
    assertEquals(zst.getFileName().toString(), JSON.readTree(seal.body()).get("file").asText());

    assertEquals(403, get(bob, id + ".cast.zst", null).statusCode());
    assertEquals(403, get(bob, id + ".cast", CHROMIUM_ACCEPTS).statusCode());
    assertEquals(404, get(alice, "0123456789abcdef0123456789abcdef.cast.zst", null).statusCode());
    assertEquals(404, get(alice, id + ".cast.zst.seal", null).statusCode());
    // Its row is queued as the file is served, not written before.
    AuditReader reader = new AuditReader(gw.bastion.database());
    boolean audited = false;
    for (int i = 0; i < 200 && !audited; i++) {
      audited =
          reader.events(null, null, 5000).stream()
              .anyMatch(
                  e ->
                      id.equals(e.sessionId())
                          && "downloaded the recording as stored (zstd)".equals(e.detail()));
      Thread.sleep(audited ? 0 : 50);
    }
    assertTrue(audited, "the download of the stored file is audited");
  }

  @Test
  void anOldPlainRecordingIsServedAsItIsAndHasNoCompressedFile() throws Exception {
    Path cast = recorded("printf 'old plain recording\\n'", false);
    String id = RecordingFormat.sessionIdOf(cast);
    HttpResponse<byte[]> response = get(alice, id + ".cast", CHROMIUM_ACCEPTS);
    assertEquals(200, response.statusCode());
    assertEquals(Optional.empty(), response.headers().firstValue("Content-Encoding"));
    assertArrayEquals(Files.readAllBytes(cast), response.body());
    assertEquals(404, get(alice, id + ".cast.zst", CHROMIUM_ACCEPTS).statusCode());
    assertEquals(
        cast.getFileName().toString(),
        JSON.readTree(get(alice, id + ".cast.seal", null).body()).get("file").asText());
  }

  /**
   * A zstd stream a killed bastion left without the end of its frame is never sent as it is (a
   * browser would refuse it): it is decoded, up to its last whole line.
   */
  @Test
  void anInterruptedZstdRecordingIsDecodedForEveryClient() throws Exception {
    Path zst = recorded("printf 'interrupted line one\\n'", true);
    String id = RecordingFormat.sessionIdOf(zst);
    byte[] whole = RecordingFormat.readPlain(zst);
    byte[] cut = Arrays.copyOf(whole, whole.length + 12);
    System.arraycopy("[9.9, \"o\", \"".getBytes(StandardCharsets.UTF_8), 0, cut, whole.length, 12);
    RecordingFiles.writeZstd(zst, cut, 16, false);
    ObjectNode seal = (ObjectNode) JSON.readTree(Seal.sealFileOf(zst).toFile());
    Files.write(Seal.sealFileOf(zst), JSON.writeValueAsBytes(seal.put("interrupted", true)));

    HttpResponse<byte[]> response = get(alice, id + ".cast", CHROMIUM_ACCEPTS);
    assertEquals(200, response.statusCode());
    assertEquals(Optional.empty(), response.headers().firstValue("Content-Encoding"));
    assertArrayEquals(whole, response.body());
  }

  /** Many chunks through the decoder, the client reading as it goes. */
  @Test
  void aLargeZstdRecordingReachesAClientWithoutZstdWhole() throws Exception {
    Path zst = recorded("printf 'large recording\\n'", true);
    String id = RecordingFormat.sessionIdOf(zst);
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    text.writeBytes(RecordingFormat.readPlain(zst));
    for (int i = 0; text.size() < 24 << 20; i++) {
      text.writeBytes(
          ("["
                  + (1 + i / 1000.0)
                  + ", \"o\", \"line "
                  + i
                  + " \\u001b[3"
                  + i % 8
                  + "m\u00e9\u20ac"
                  + "\\u001b[0m "
                  + Integer.toHexString(i * 7919)
                  + "\\r\\n\"]\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    byte[] plain = text.toByteArray();
    RecordingFiles.writeZstd(zst, plain, 8192);
    HttpResponse<InputStream> response =
        alice.http.send(
            request(alice, id + ".cast", "gzip, br").build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertEquals(Optional.empty(), response.headers().firstValue("Content-Encoding"));
    try (InputStream body = response.body()) {
      assertEquals(sha256(plain), sha256(body.readAllBytes()));
    }
  }

  @Test
  void chromiumReplaysAZstdRecordingItDecodesItselfAndAnOldPlainOne() throws Exception {
    WebDriverWait wait = HeadlessChromium.logIn(browser, gw, gw.userKey, "alice@example.com");
    for (boolean compressed : new boolean[] {true, false}) {
      String word = compressed ? "compressed" : "uncompressed";
      Path file =
          recorded("printf '" + word + " replay\\nsecond \\342\\202\\254 line\\n'", compressed);
      String id = RecordingFormat.sessionIdOf(file);
      browser.get(alice.base + "/recordings/" + id);
      HeadlessChromium.assertDrawn(
          browser, wait, List.of(word + " replay", "second € line"), "zstd-replay-" + word);
      @SuppressWarnings("unchecked")
      List<Long> sizes =
          (List<Long>)
              ((JavascriptExecutor) browser)
                  .executeScript(
                      "const e = performance.getEntriesByType('resource')"
                          + ".filter(e => e.name.endsWith(arguments[0])).pop();"
                          + " return [e.encodedBodySize, e.decodedBodySize];",
                      "/api/recordings/" + id + ".cast");
      long plainSize = RecordingFormat.readPlain(file).length;
      assertEquals(
          List.of(compressed ? Files.size(file) : plainSize, plainSize),
          sizes,
          "bytes over the wire and decoded by the browser");
      var original = browser.findElement(By.id("download-original"));
      assertEquals(compressed, original.isDisplayed());
      if (compressed) {
        assertTrue(original.getAttribute("href").endsWith("/api/recordings/" + id + ".cast.zst"));
      }
      assertFalse(
          browser.findElement(By.id("download-cast")).getAttribute("href").endsWith(".zst"));
    }
  }

  /**
   * Records a session running {@code command} through the real ssh client and returns its file,
   * zstd or plain as asked (moved to that format when the bastion wrote the other).
   */
  private Path recorded(String command, boolean zstd) throws Exception {
    assertEquals(0, gw.ssh(gw.onTarget(), null, command).exitCode());
    SessionRecord session = gw.awaitSealed(s -> command.equals(s.command()));
    return RecordingFiles.inFormat(
        gw.dataDir,
        gw.bastion.database(),
        session.id(),
        gw.dataDir.resolve(session.recordingPath()),
        zstd ? RecordingFormat.ZSTD : RecordingFormat.PLAIN);
  }

  private static HttpRequest.Builder request(WebClient user, String file, String acceptEncoding) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(user.base + "/api/recordings/" + file))
            .header("Cookie", user.cookie)
            .timeout(Duration.ofSeconds(30));
    if (acceptEncoding != null) {
      request.header("Accept-Encoding", acceptEncoding);
    }
    return request;
  }

  private static HttpResponse<byte[]> get(WebClient user, String file, String acceptEncoding)
      throws Exception {
    return user.http.send(
        request(user, file, acceptEncoding).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
