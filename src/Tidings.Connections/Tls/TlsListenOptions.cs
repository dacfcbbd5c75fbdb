using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Tidings.Connections.Tls;

/// <summary>TLS on a Kestrel endpoint of any protocol: Kestrel's own TLS middleware (SslStream) in front of the listener.</summary>
public static class TlsListenOptions
{
    /// <summary>
    /// Terminates TLS on <paramref name="listen"/> with <paramref name="certificate"/>. Call
    /// before the protocol's <c>UseConnectionHandler</c>: connection middleware runs in the
    /// order added, and the protocol must see the decrypted stream.
    /// </summary>
    public static ListenOptions UseTidingsTls(this ListenOptions listen, TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate.Certificate,
            ServerCertificateChain = certificate.Chain,
            // Protocol versions are left to the operating system's policy (TLS 1.2 and 1.3 today).
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }
}
