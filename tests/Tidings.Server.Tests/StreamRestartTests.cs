using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Server.Tests;

/// <summary>
/// Stream queues across a restart of the server process and across `kill -9`: every confirmed
/// message is there with the same offset and body, appends continue at the next offset, and a
/// tracked consumer resumes from its stored position.
/// </summary>
public sealed partial class StreamRestartTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"amqp://127\.0\.0\.1:(\d+)")]
    private static partial Regex AmqpAddress();

    private async Task<(ServerProcess Server, IConnection Connection)> StartAsync()
    {
        var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0",
            "--sqs-port", "0", "--data-dir", _directory.Combine("data"));
        var line = await server.WaitForMessageAsync("(AMQP listener)", TimeSpan.FromSeconds(30));
        int port = int.Parse(AmqpAddress().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = port, AutomaticRecoveryEnabled = false, ContinuationTimeout = Timeout };
        return (server, await factory.CreateConnectionAsync().WaitAsync(Timeout));
    }

    private static readonly Dictionary<string, object?> StreamArguments = new() { ["x-queue-type"] = "stream" };

    private static async Task PublishConfirmedAsync(IConnection connection, int from, int count)
    {
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("log", durable: true, exclusive: false, autoDelete: false, StreamArguments);
        // Each publish returns once the broker confirmed it (a nack throws).
        for (int i = from; i < from + count; i++)
            await channel.BasicPublishAsync("", "log", true, new BasicProperties(), Encoding.UTF8.GetBytes(Body(i))).AsTask().WaitAsync(Timeout);
    }

    private static string Body(int i) => $"line {i} " + new string((char)('a' + i % 26), i % 300);

    /// <summary>Consumes from <paramref name="offset"/> until <paramref name="count"/> deliveries came; returns (offset header, body) of each.</summary>
    private static async Task<List<(long Offset, string Body)>> ReadAsync(IConnection connection, object? offset, int count,
        string tag = "reader", bool tracked = false, int ackUpTo = int.MaxValue)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 100, false);
        var got = new ConcurrentQueue<(long, string)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int seen = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, ea) =>
        {
            // Deliveries past the count (the credit lets some more come) are neither kept nor acked.
            int n = Interlocked.Increment(ref seen);
            if (n > count) return;
            got.Enqueue(((long)ea.BasicProperties.Headers!["x-stream-offset"]!, Encoding.UTF8.GetString(ea.Body.Span)));
            if (n <= ackUpTo) await channel.BasicAckAsync(ea.DeliveryTag, false);
            if (n == count) done.TrySetResult();
        };
        var arguments = new Dictionary<string, object?> { ["x-stream-offset"] = offset };
        if (tracked) arguments["x-stream-automatic-offset-tracking"] = true;
        await channel.BasicConsumeAsync("log", autoAck: false, tag, noLocal: false, exclusive: false, arguments, consumer);
        await done.Task.WaitAsync(Timeout);
        // Make sure the acks were processed before the caller goes on (a round trip on the same channel).
        await channel.BasicCancelAsync(tag);
        await channel.CloseAsync();
        return [.. got];
    }

    private static IEnumerable<(long, string)> Expected(int from, int toExclusive) =>
        Enumerable.Range(from, toExclusive - from).Select(i => ((long)i, Body(i)));

    [UnixFact]
    public async Task Confirmed_messages_and_a_tracked_position_survive_a_restart_with_the_same_offsets()
    {
        var (first, connection) = await StartAsync();
        using (first)
        await using (connection)
        {
            await PublishConfirmedAsync(connection, 0, 300);
            // The tracked reader acks 120 of them.
            var read = await ReadAsync(connection, "first", 120, tag: "tracked", tracked: true);
            Assert.Equal(Expected(0, 120), read);
            await connection.CloseAsync();
            first.SendSigterm();
            Assert.Equal(0, await first.WaitForExitAsync(Timeout));
        }

        var (second, again) = await StartAsync();
        using (second)
        await using (again)
        {
            Assert.Equal(Expected(0, 300), await ReadAsync(again, "first", 300));
            Assert.Equal(Expected(120, 300), await ReadAsync(again, "first", 180, tag: "tracked", tracked: true));
            // Appends continue at the next offset.
            await PublishConfirmedAsync(again, 300, 5);
            Assert.Equal(Expected(298, 305), await ReadAsync(again, 298L, 7));
            second.SendSigterm();
            await second.WaitForExitAsync(Timeout);
        }
    }

    [UnixFact]
    public async Task Confirmed_messages_and_a_tracked_position_survive_kill_9_with_the_same_offsets()
    {
        var (first, connection) = await StartAsync();
        using (first)
        await using (connection)
        {
            await PublishConfirmedAsync(connection, 0, 500);
            var read = await ReadAsync(connection, "first", 200, tag: "tracked", tracked: true, ackUpTo: 150);
            Assert.Equal(Expected(0, 200), read);
            first.KillHard();
            await first.WaitForExitAsync(Timeout);
        }

        var (second, again) = await StartAsync();
        using (second)
        await using (again)
        {
            Assert.Equal(Expected(0, 500), await ReadAsync(again, "first", 500));
            // Acked up to offset 149: it resumes at 150 (a position is written as the ack is processed).
            Assert.Equal(Expected(150, 500), await ReadAsync(again, "first", 350, tag: "tracked", tracked: true));
            await PublishConfirmedAsync(again, 500, 3);
            Assert.Equal(Expected(499, 503), await ReadAsync(again, 499L, 4));
            second.SendSigterm();
            await second.WaitForExitAsync(Timeout);
        }
    }
}
