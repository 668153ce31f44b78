package dev.bastion.web;

import java.util.Optional;

/** Where the web viewer listens and how it is reached. */
public record WebSettings(
    String host, int port, String publicUrl, Optional<String> tlsCert, Optional<String> tlsKey) {
  public boolean tls() {
    return tlsCert.isPresent();
  }

  /** {@code scheme://host[:port]} of the public URL: what browsers send as Origin. */
  public String origin() {
    java.net.URI uri = java.net.URI.create(publicUrl);
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }
}
