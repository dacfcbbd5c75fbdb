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
    private MqttClientRegistry(Broker broker) => Wills = new DelayedWills(broker.Time, broker.Faults);

    public static MqttClientRegistry For(Broker broker) => Registries.GetValue(broker, static b => new MqttClientRegistry(b));

    /// <summary>Wills waiting for their delay, by the same key.</summary>
    public DelayedWills Wills { get; }

    /// <summary>Connections registered now; the fuzzer checks that none outlives its connection.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _clients.Count;
        }
    }

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

    /// <summary>Forgets <paramref name="connection"/> unless a newer one took its key.</summary>
    public void Remove(string key, MqttConnection connection)
    {
        lock (_lock)
        {
            if (_clients.TryGetValue(key, out var current) && current == connection) _clients.Remove(key);
        }
    }
}
