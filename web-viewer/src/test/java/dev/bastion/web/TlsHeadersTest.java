package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.recorder.LiveHub;
import dev.bastion.testsupport.ExternalCommand;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under TLS the viewer tells browsers to use nothing else (HSTS); over plain HTTP it does not. */
class TlsHeadersTest {
  @TempDir Path dir;

  @Test
  void tlsResponsesCarryStrictTransportSecurity() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    ExternalCommand.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString())
        .run()
        .orThrow();
    HttpResponse<String> page =
        get(
            new WebSettings(
                "127.0.0.1",
                0,
                "https://127.0.0.1",
                Optional.of(cert.toString()),
                Optional.of(key.toString())),
            "https",
            client(cert));
    assertEquals(200, page.statusCode());
    assertEquals(
        Optional.of("max-age=31536000"), page.headers().firstValue("Strict-Transport-Security"));
  }

  @Test
  void plainHttpResponsesCarryNone() throws Exception {
    HttpResponse<String> page =
        get(
            new WebSettings("127.0.0.1", 0, "http://127.0.0.1", Optional.empty(), Optional.empty()),
            "http",
            HttpClient.newHttpClient());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Strict-Transport-Security").isEmpty());
    assertEquals(Optional.of("nosniff"), page.headers().firstValue("X-Content-Type-Options"));
  }

  private static HttpResponse<String> get(WebSettings settings, String scheme, HttpClient http)
      throws Exception {
    LiveHub hub = new LiveHub();
    WebServer web =
        WebServer.start(
            settings,
            new NoBastion(),
            hub,
            new LoginTokens(Vertx.vertx(), Clock.systemUTC()),
            Clock.systemUTC());
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + web.port() + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
    } finally {
      web.close();
      hub.close();
    }
  }

  private static HttpClient client(Path cert) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trust.setCertificateEntry(
          "viewer", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).build();
  }
}
