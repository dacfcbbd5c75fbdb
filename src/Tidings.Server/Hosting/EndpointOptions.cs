using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Tidings.Server.Hosting;

/// <summary>Address and port one listener binds to, whether it is open at all, and whether it is TLS.</summary>
public sealed class EndpointOptions
{
    /// <summary>Whether the listener is opened; off leaves its port closed (e.g. plain AMQP off when only amqps is wanted).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>An IP address, "localhost" (127.0.0.1) or "*" (every IPv4 and IPv6 address).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 lets the operating system pick a free one.</summary>
    public int Port { get; set; }

    /// <summary>Whether connections are TLS, with the certificate of Tidings:Tls (HTTPS on the HTTP listener).</summary>
    public bool Tls { get; set; }

    /// <summary>The address to bind; call only after <see cref="Validate"/> found nothing.</summary>
    public IPAddress ResolveAddress() =>
        TryResolveAddress(Host, out var address) ? address : throw new InvalidOperationException($"'{Host}' is not an address to listen on");

    /// <summary>Host names are not resolved: binding to whatever DNS says at start is a surprise nobody wants.</summary>
    public static bool TryResolveAddress(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        switch (host)
        {
            case "localhost":
                address = IPAddress.Loopback;
                return true;
            case "*":
                address = IPAddress.IPv6Any;
                return true;
            default:
                return IPAddress.TryParse(host, out address);
        }
    }

    internal IEnumerable<string> Validate(string key)
    {
        if (!TryResolveAddress(Host, out _))
        {
            yield return $"{key}:{nameof(Host)} must be an IP address, 'localhost' or '*' (got '{Host}')";
        }
        if (Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            yield return $"{key}:{nameof(Port)} must be from 0 to 65535 (got {Port})";
        }
    }
}
