using Microsoft.AspNetCore.Connections;
using Tidings.Amqp;
using Tidings.Http;
using Tidings.LogQueue;
using Tidings.Mqtt;
using Tidings.Sqs;

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
        new("mqtt", "MQTT listener", "mqtt", "Mqtt", o => o.Mqtt, l => l.UseConnectionHandler<MqttConnectionHandler>())
        {
            Settings = ListenerSettings.For<MqttOptions>(),
        },
        // MQTT over TLS on 8883, as amqps beside amqp; off until Tidings:Mqtts:Enabled. It shares
        // Tidings:Mqtt's protocol settings (Exchange, MaxPacketSize, ...).
        new("mqtts", "MQTT TLS listener", "mqtt", "Mqtts", o => o.Mqtts, l => l.UseConnectionHandler<MqttConnectionHandler>()),
        // The SQS API is HTTP on a port of its own; its connections are marked so the HTTP pipeline
        // serves them as SQS calls (SqsEndpoint.UseSqsListener) and nothing else.
        new("sqs", "SQS API", "sqs", "Sqs", o => o.Sqs, l => l.MarkSqsConnections())
        {
            Settings = ListenerSettings.For<SqsOptions>(),
            UriScheme = "http",
        },
        // The logging-queue API is always under /logqueue on the HTTP port; this listener, off until
        // Tidings:LogQueue:Enabled, serves it at the root for clients that hard-code the paths.
        new("logqueue", "logging-queue API", "logqueue", "LogQueue", o => o.LogQueue, l => l.MarkLogQueueConnections())
        {
            Settings = ListenerSettings.For<LogQueueOptions>(),
            UriScheme = "http",
        },
        new("http", "HTTP API", "http", "Http", o => o.Http, _ => { })
        {
            Settings = ListenerSettings.For<HttpOptions>(),
        },
    ];
}
