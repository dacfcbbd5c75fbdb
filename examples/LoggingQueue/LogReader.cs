using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Examples.LoggingQueue;

/// <summary>
/// A named reader of a topic. The broker stores its position under its name as it acks
/// (x-stream-automatic-offset-tracking), so a reader that comes back, after a reconnect or a
/// broker restart, goes on where it stopped; a new name reads from the first line kept.
/// </summary>
public sealed class LogReader(IConnection connection, string topic, string name)
{
    /// <summary>Reads up to <paramref name="max"/> lines, or fewer once none came for <paramref name="idle"/>; acks each.</summary>
    public async Task<List<LogLine>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellation = default)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellation);
        await channel.BasicQosAsync(0, 200, global: false, cancellation);
        var arrived = Channel.CreateUnbounded<LogLine>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var headers = delivery.BasicProperties.Headers!;
            arrived.Writer.TryWrite(new LogLine((long)headers["x-stream-offset"]!, delivery.BasicProperties.AppId ?? "",
                Encoding.UTF8.GetString(delivery.Body.Span)));
            return Task.CompletedTask;
        };
        string tag = await channel.BasicConsumeAsync(topic, autoAck: false, name, noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first", ["x-stream-automatic-offset-tracking"] = true },
            consumer, cancellation);
        var lines = new List<LogLine>();
        ulong lastTag = 0, ackedTag = 0;
        while (lines.Count < max)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            wait.CancelAfter(idle);
            try
            {
                lines.Add(await arrived.Reader.ReadAsync(wait.Token));
                lastTag++;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                break;
            }
            // Acking in batches is what moves the stored position; deliveries past max stay unacked and are read again next time.
            if (lines.Count % 100 == 0)
            {
                await channel.BasicAckAsync(lastTag, multiple: true, cancellation);
                ackedTag = lastTag;
            }
        }
        if (lastTag > ackedTag) await channel.BasicAckAsync(lastTag, multiple: true, cancellation);
        await channel.BasicCancelAsync(tag, cancellationToken: cancellation);
        return lines;
    }
}
