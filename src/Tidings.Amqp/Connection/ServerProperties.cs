using Tidings.Core;

namespace Tidings.Amqp.Connection;

/// <summary>The server-properties table of connection.start.</summary>
internal static class ServerProperties
{
    /// <summary>
    /// Announces Tidings by name (not "RabbitMQ"): clients such as kombu then assume the spec's
    /// basic.qos semantics and send global=false, which Tidings reads per consumer as RabbitMQ does.
    /// </summary>
    public static Dictionary<string, object?> Build(Broker broker) => new()
    {
        ["product"] = "Tidings",
        ["version"] = Broker.Version,
        ["platform"] = $".NET {Environment.Version}",
        ["copyright"] = "Tidings contributors",
        ["information"] = "Tidings message broker, AMQP 0-9-1 compatible with RabbitMQ clients",
        ["cluster_name"] = broker.Options.NodeName,
        ["capabilities"] = new Dictionary<string, object?>
        {
            ["publisher_confirms"] = true,
            ["exchange_exchange_bindings"] = true,
            ["basic.nack"] = true,
            ["consumer_cancel_notify"] = true,
            ["connection.blocked"] = true,
            ["consumer_priorities"] = true,
            ["authentication_failure_close"] = true,
            ["per_consumer_qos"] = true,
            ["direct_reply_to"] = true,
        },
    };
}
