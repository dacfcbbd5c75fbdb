using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tidings.Amqp.Connection;
using Tidings.Connections.Heartbeats;
using Tidings.Core;

namespace Tidings.Amqp;

/// <summary>
/// Kestrel connection handler for AMQP 0-9-1: Kestrel's socket transport accepts the TCP
/// connection (and its TLS middleware decrypts it on an amqps listener) and hands its pipes
/// here. Register with <c>listen.UseConnectionHandler&lt;AmqpConnectionHandler&gt;()</c>.
/// </summary>
/// <param name="broker">The broker the connections serve.</param>
/// <param name="options">The listener's settings.</param>
/// <param name="logger">Connection log.</param>
/// <param name="lifetime">Broker shutdown closes every connection with 320.</param>
/// <param name="heartbeat">
/// The host's one heartbeat for all connections (<c>AddTidingsConnections</c>); when the host
/// registered none, this listener makes its own, stopped with the host.
/// </param>
public sealed class AmqpConnectionHandler(
    Broker broker,
    IOptions<AmqpOptions> options,
    ILogger<AmqpConnectionHandler> logger,
    IHostApplicationLifetime lifetime,
    ConnectionHeartbeat? heartbeat = null) : ConnectionHandler
{
    /// <summary>The heartbeat every connection of this listener is checked by.</summary>
    private readonly ConnectionHeartbeat _heartbeats = heartbeat ?? StartOwn(broker, lifetime);

    private static ConnectionHeartbeat StartOwn(Broker broker, IHostApplicationLifetime lifetime)
    {
        var own = new ConnectionHeartbeat(broker);
        lifetime.ApplicationStopped.Register(own.Dispose);
        return own;
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
