using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Tidings.Connections.Listeners;

/// <summary>
/// The node's listeners with their protocol and whether they are TLS. The host adds one entry
/// per endpoint it opens; the HTTP layer lists them (/api/overview, health checks). Kestrel
/// rewrites an endpoint's port when it binds port 0, so an entry reads its address when asked.
/// </summary>
public sealed class ListenerRegistry
{
    /// <summary>Entries in the order they were added; guarded by _lock.</summary>
    private readonly List<Entry> _entries = [];
    /// <summary>Guards _entries.</summary>
    private readonly Lock _lock = new();

    /// <summary>The certificate the TLS listeners present; null when none uses TLS (the certificate-expiration health check reads it).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Adds a listener; <paramref name="endPoint"/> is read each time the listeners are listed.</summary>
    /// <param name="name">The host's name for it ("amqp", "amqps"); adding a name again replaces the entry.</param>
    /// <param name="protocol">"amqp", "http", "mqtt", ...</param>
    /// <param name="tls">Whether its connections are TLS.</param>
    /// <param name="endPoint">Its address; null while not bound.</param>
    public void Add(string name, string protocol, bool tls, Func<EndPoint?> endPoint)
    {
        lock (_lock)
        {
            _entries.RemoveAll(e => e.Name == name);
            _entries.Add(new Entry(name, protocol, tls, endPoint));
        }
    }

    /// <summary>The listeners bound to an IP address now, in the order they were added.</summary>
    public IReadOnlyList<ListenerInfo> Bound()
    {
        Entry[] entries;
        lock (_lock) entries = [.. _entries];
        var result = new List<ListenerInfo>(entries.Length);
        foreach (var entry in entries)
        {
            if (entry.EndPoint() is IPEndPoint ip) result.Add(new ListenerInfo(entry.Protocol, entry.Tls, ip));
        }
        return result;
    }

    /// <summary>The bound address of the listener named <paramref name="name"/>; null when there is none or it is not bound.</summary>
    public IPEndPoint? Find(string name)
    {
        Entry? entry;
        lock (_lock) entry = _entries.Find(e => e.Name == name);
        return entry?.EndPoint() as IPEndPoint;
    }

    /// <summary>One registered listener.</summary>
    private sealed record Entry(string Name, string Protocol, bool Tls, Func<EndPoint?> EndPoint);
}
