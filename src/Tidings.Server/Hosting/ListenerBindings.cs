using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Tidings.Connections.Listeners;

namespace Tidings.Server.Hosting;

/// <summary>
/// The listeners the host opened, with whether each is TLS. Addresses come from the node's
/// <see cref="ListenerRegistry"/>, where each endpoint is registered too: Kestrel rewrites an
/// endpoint's port when it binds port 0, so after start these are the real addresses, which are
/// logged and which tests read.
/// </summary>
internal sealed class ListenerBindings(ListenerRegistry registry)
{
    // Listener and whether it is TLS, in listener order. Written while Kestrel's options are configured
    // (before start), read after start; the lock only guards against a second configuration pass.
    private readonly List<(ListenerDefinition Listener, bool Tls)> _opened = [];
    // Guards _opened.
    private readonly Lock _lock = new();

    public void Add(ListenerDefinition listener, bool tls, ListenOptions endpoint)
    {
        lock (_lock)
        {
            _opened.RemoveAll(b => b.Listener.Name == listener.Name);
            _opened.Add((listener, tls));
        }
        registry.Add(listener.Name, listener.Protocol, tls, () => endpoint.EndPoint);
    }

    /// <summary>Bound endpoint of the named listener, or null when there is no such listener or it is not an IP endpoint.</summary>
    public IPEndPoint? Find(string name) => registry.Find(name);

    /// <summary>"amqps://127.0.0.1:5671"-style addresses with the listener they belong to.</summary>
    public IReadOnlyList<(ListenerDefinition Listener, string Address)> Addresses()
    {
        lock (_lock)
        {
            return [.. _opened.Select(b => (b.Listener, $"{b.Listener.Scheme(b.Tls)}://{registry.Find(b.Listener.Name)}"))];
        }
    }
}
