using RabbitMQ.Client;

namespace Tidings.Examples.LoggingQueue;

/// <summary>A logging-queue topic over AMQP: a RabbitMQ-style stream queue of the same name.</summary>
public static class LogTopic
{
    /// <summary>Declares the topic's stream (idempotent), keeping a week of lines as the course's log service does.</summary>
    public static Task DeclareAsync(IChannel channel, string topic) =>
        channel.QueueDeclareAsync(topic, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "stream",
            ["x-max-age"] = "7D",
        });
}
