using System.Runtime.CompilerServices;
using Tidings.Core;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// The connected MQTT clients of one broker by virtual host and client id, for session takeover:
/// a second CONNECT with the same client id closes the first connection. One per broker, shared
/// by every MQTT listener (mqtt and mqtts), found through <see cref="For"/>.
/// </summary>
internal sealed class MqttClientRegistry
{
    /// <summary>One registry per broker, without a DI registration every host would need.</summary>
    private static readonly ConditionalWeakTable<Broker, MqttClientRegistry> Registries = [];

    /// <summary>Guards <see cref="_clients"/>.</summary>
    private readonly Lock _lock = new();
    /// <summary>Connections by "vhost\0clientid".</summary>
    private readonly Dictionary<string, MqttConnection> _clients = new(StringComparer.Ordinal);
    /// <summary>
    /// QoS 2 packet ids a persistent session received and routed but had not seen PUBREL for when
    /// its connection ended, by the same key: a reconnecting client resends PUBREL, or the PUBLISH
    /// with DUP, and it must not be routed twice [MQTT-4.3.3]. In memory: lost with a broker restart.
    /// </summary>
    private readonly Dictionary<string, HashSet<ushort>> _receivedQos2 = new(StringComparer.Ordinal);

    /// <summary>Connections registered now; the fuzzer checks that none outlives its connection.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _clients.Count;
        }
    }

    public static MqttClientRegistry For(Broker broker) => Registries.GetValue(broker, static _ => new MqttClientRegistry());

    /// <summary>Registers <paramref name="connection"/> under <paramref name="key"/>, returning the one it replaces.</summary>
    public MqttConnection? Register(string key, MqttConnection connection)
    {
        lock (_lock)
        {
            _clients.TryGetValue(key, out var previous);
            _clients[key] = connection;
            return previous == connection ? null : previous;
        }
    }

    /// <summary>Keeps a detaching persistent session's open inbound QoS 2 flows for its next connection.</summary>
    public void KeepReceivedQos2(string key, HashSet<ushort> packetIds)
    {
        lock (_lock) _receivedQos2[key] = packetIds;
    }

    /// <summary>Takes the open inbound QoS 2 flows kept for <paramref name="key"/> (null when none).</summary>
    public HashSet<ushort>? TakeReceivedQos2(string key)
    {
        lock (_lock) return _receivedQos2.Remove(key, out var ids) ? ids : null;
    }

    /// <summary>Forgets <paramref name="connection"/> unless a newer one took its key.</summary>
    public void Remove(string key, MqttConnection connection)
    {
        lock (_lock)
        {
            if (_clients.TryGetValue(key, out var current) && current == connection) _clients.Remove(key);
        }
    }
}
