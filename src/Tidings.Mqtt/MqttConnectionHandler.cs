using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tidings.Connections.Heartbeats;
using Tidings.Core;
using Tidings.Mqtt.Connection;

namespace Tidings.Mqtt;

/// <summary>
/// Kestrel connection handler for MQTT 3.1, 3.1.1 and 5.0: Kestrel accepts the TCP connection
/// (its TLS middleware decrypts it on an mqtts listener) and hands its pipes here. Register with
/// <c>listen.UseConnectionHandler&lt;MqttConnectionHandler&gt;()</c>.
/// </summary>
/// <param name="broker">The broker the connections serve.</param>
/// <param name="options">The listener's settings.</param>
/// <param name="logger">Connection log.</param>
/// <param name="lifetime">Broker shutdown closes every connection (5.0: DISCONNECT 0x8B first).</param>
/// <param name="heartbeat">The host's one heartbeat for all connections; without one this listener makes its own.</param>
public sealed class MqttConnectionHandler(
    Broker broker,
    IOptions<MqttOptions> options,
    ILogger<MqttConnectionHandler> logger,
    IHostApplicationLifetime lifetime,
    ConnectionHeartbeat? heartbeat = null) : ConnectionHandler
{
    /// <summary>The heartbeat every connection of this listener is checked by (keep-alive, CONNECT deadline).</summary>
    private readonly ConnectionHeartbeat _heartbeats = heartbeat ?? StartOwn(broker, lifetime);

    /// <summary>The broker-wide MQTT state this listener takes part in (idempotent: every listener of a broker attaches).</summary>
    private readonly CancellationTokenRegistration[] _brokerState = AttachBrokerState(broker, lifetime);

    /// <summary>
    /// Registers the adapter's metrics now, so they read 0 before any client. Opens the session
    /// store once the host has started (its message store is attached by then), not with the first
    /// client: sessions left detached when the broker stopped must expire on time even if their
    /// clients never come back; a client faster than that opens it itself. Closes the session and
    /// retained stores once every connection is gone (Kestrel drained them before ApplicationStopped).
    /// </summary>
    private static CancellationTokenRegistration[] AttachBrokerState(Broker broker, IHostApplicationLifetime lifetime)
    {
        MqttMetrics.Register(broker);
        return
        [
            lifetime.ApplicationStarted.Register(static b => Sessions.MqttSessionStore.For((Broker)b!), broker),
            lifetime.ApplicationStopped.Register(static b => Sessions.MqttSessionStore.Close((Broker)b!), broker),
            lifetime.ApplicationStopped.Register(static b => Retained.RetainedStoreRegistry.Close((Broker)b!), broker),
        ];
    }

    private static ConnectionHeartbeat StartOwn(Broker broker, IHostApplicationLifetime lifetime)
    {
        var own = new ConnectionHeartbeat(broker);
        lifetime.ApplicationStopped.Register(own.Dispose);
        return own;
    }

    /// <inheritdoc />
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        RunAsync(connection.Transport, connection.RemoteEndPoint, connection.LocalEndPoint);

    /// <summary>Runs one MQTT connection over <paramref name="transport"/> (a TCP connection's pipes, or a WebSocket's).</summary>
    internal Task RunAsync(IDuplexPipe transport, EndPoint? remoteEndPoint, EndPoint? localEndPoint) =>
        new MqttConnection(broker, options.Value, transport, remoteEndPoint, localEndPoint, logger, _heartbeats)
            .RunAsync(lifetime.ApplicationStopping);
}
