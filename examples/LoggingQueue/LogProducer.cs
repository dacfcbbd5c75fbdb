using System.Text;
using RabbitMQ.Client;

namespace Tidings.Examples.LoggingQueue;

/// <summary>Appends log lines to a topic with publisher confirms: a line is kept once this returns.</summary>
public sealed class LogProducer(IChannel channel, string topic, string producer)
{
    public async Task SendAsync(string line)
    {
        var properties = new BasicProperties { Persistent = true, AppId = producer };
        // With confirm tracking on, the publish completes when the broker confirmed it (after its fsync).
        await channel.BasicPublishAsync("", topic, mandatory: true, properties, Encoding.UTF8.GetBytes(line));
    }
}
