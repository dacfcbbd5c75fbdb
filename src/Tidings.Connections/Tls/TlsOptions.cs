namespace Tidings.Connections.Tls;

/// <summary>
/// The certificate the node's TLS listeners present (configuration section Tidings:Tls): a
/// PEM certificate (optionally followed by its chain) and its PEM private key. Used only by
/// listeners whose Tls setting is on; none is, by default.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>PEM file with the server certificate, then any intermediate certificates.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM file with the certificate's private key (PKCS#8, PKCS#1 or SEC1; unencrypted).</summary>
    public string? KeyFile { get; set; }
}
