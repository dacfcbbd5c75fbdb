using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tidings.Server.Hosting;

/// <summary>
/// The Kestrel endpoint created for each listener. Kestrel rewrites an endpoint's port when it
/// binds port 0, so after start these hold the real addresses, which are logged and which tests read.
/// </summary>
internal sealed class ListenerBindings
{
    // Listener and its endpoint, in listener order. Written while Kestrel's options are configured
    // (before start), read after start; the lock only guards against a second configuration pass.
    private readonly List<(ListenerDefinition Listener, ListenOptions Endpoint)> _bindings = [];
    // Guards _bindings.
    private readonly Lock _lock = new();

    public void Add(ListenerDefinition listener, ListenOptions endpoint)
    {
        lock (_lock)
        {
            _bindings.RemoveAll(b => b.Listener.Name == listener.Name);
            _bindings.Add((listener, endpoint));
        }
    }

    /// <summary>Bound endpoint of the named listener, or null when there is no such listener or it is not an IP endpoint.</summary>
    public IPEndPoint? Find(string name)
    {
        lock (_lock)
        {
            return _bindings.FirstOrDefault(b => b.Listener.Name == name).Endpoint?.EndPoint as IPEndPoint;
        }
    }

    /// <summary>"amqp://127.0.0.1:5672"-style addresses with the listener they belong to.</summary>
    public IReadOnlyList<(ListenerDefinition Listener, string Address)> Addresses()
    {
        lock (_lock)
        {
            return [.. _bindings.Select(b => (b.Listener, $"{b.Listener.Scheme}://{b.Endpoint.EndPoint}"))];
        }
    }
}
