using Microsoft.AspNetCore.Connections;
using Tidings.Amqp;
using Tidings.Http;

namespace Tidings.Server.Hosting;

/// <summary>
/// The endpoints Kestrel opens, in order. Adding a protocol is one entry here, for example
/// <code>
/// new("amqp", "AMQP listener", "amqp", "Amqp", o => o.Amqp, l => l.UseConnectionHandler&lt;AmqpConnectionHandler&gt;())
/// {
///     Settings = ListenerSettings.For&lt;AmqpOptions&gt;(),
/// },
/// </code>
/// which also brings the --amqp-host/--amqp-port flags, IOptions&lt;AmqpOptions&gt; bound from
/// Tidings:Amqp, and help for every AmqpOptions property.
/// </summary>
internal static class Listeners
{
    public static IReadOnlyList<ListenerDefinition> All { get; } =
    [
        new("amqp", "AMQP listener", "amqp", "Amqp", o => o.Amqp, l => l.UseConnectionHandler<AmqpConnectionHandler>())
        {
            Settings = ListenerSettings.For<AmqpOptions>(),
        },
        // A second AMQP listener for TLS clients, as RabbitMQ has 5671 beside 5672; off until
        // Tidings:Amqps:Enabled. It shares Tidings:Amqp's protocol settings (FrameMax, ...).
        new("amqps", "AMQP TLS listener", "amqp", "Amqps", o => o.Amqps, l => l.UseConnectionHandler<AmqpConnectionHandler>()),
        new("http", "HTTP API", "http", "Http", o => o.Http, _ => { })
        {
            Settings = ListenerSettings.For<HttpOptions>(),
        },
    ];
}
