package dev.bastion.keys;

/** The three certificate authorities of a bastion, each with its own key pair and job. */
public enum CaKind {
  /** Signs engineers' certificates; the bastion trusts it for logins. */
  USER("user_ca", "bastion user CA"),
  /**
   * Signs the bastion's own host certificate; clients trust it with one {@code @cert-authority}
   * line.
   */
  HOST("host_ca", "bastion host CA"),
  /** Signs the short-lived certificates the bastion logs in to targets with. */
  UPSTREAM("upstream_ca", "bastion upstream CA");

  private final String fileName;
  private final String comment;

  CaKind(String fileName, String comment) {
    this.fileName = fileName;
    this.comment = comment;
  }

  /**
   * File name of the private key inside {@code <data-dir>/ca/}; the public key adds {@code .pub}.
   */
  public String fileName() {
    return fileName;
  }

  /** Comment written into the key files, shown by {@code ca show}. */
  public String comment() {
    return comment;
  }

  /** The name users type: {@code user}, {@code host} or {@code upstream}. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
