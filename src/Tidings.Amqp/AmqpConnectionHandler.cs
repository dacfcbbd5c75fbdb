using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tidings.Amqp.Connection;
using Tidings.Core;

namespace Tidings.Amqp;

/// <summary>
/// Kestrel connection handler for AMQP 0-9-1: Kestrel's socket transport accepts the TCP
/// connection and hands its pipes here. Register with
/// <c>listen.UseConnectionHandler&lt;AmqpConnectionHandler&gt;()</c>.
/// </summary>
public sealed class AmqpConnectionHandler(
    Broker broker,
    IOptions<AmqpOptions> options,
    ILogger<AmqpConnectionHandler> logger,
    IHostApplicationLifetime lifetime) : ConnectionHandler
{
    /// <summary>One timer for the heartbeats of all this listener's connections; stopped with the host.</summary>
    private readonly HeartbeatMonitor _heartbeats = StartMonitor(lifetime);

    private static HeartbeatMonitor StartMonitor(IHostApplicationLifetime lifetime)
    {
        var monitor = new HeartbeatMonitor();
        lifetime.ApplicationStopped.Register(monitor.Dispose);
        return monitor;
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var amqp = new AmqpConnection(broker, options.Value, connection.Transport, connection.RemoteEndPoint, logger,
            connection.LocalEndPoint, _heartbeats);
        // Not connection.ConnectionClosed: Kestrel raises it only after the app completes its
        // output, so it never ended a reader on its own. The end of the input pipe does.
        await amqp.RunAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
    }
}
