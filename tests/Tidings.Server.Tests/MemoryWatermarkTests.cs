using System.Text.RegularExpressions;
using RabbitMQ.Client;

namespace Tidings.Server.Tests;

/// <summary>
/// The real executable under a publish storm of large messages with a small memory watermark:
/// the resident set stays near the limit (at most 1.4x) (the old watermark, which read only the managed heap,
/// let it reach three times the limit), and publishing resumes once consumers drain the queues.
/// </summary>
public sealed partial class MemoryWatermarkTests : IDisposable
{
    private const long Limit = 200_000_000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory = new();

    [GeneratedRegex(@"Listening on amqp://127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex AmqpListeningLine();

    public void Dispose() => _directory.Dispose();

    [UnixFact]
    public async Task A_publish_storm_keeps_the_peak_resident_set_within_two_fifths_above_the_watermark_and_publishing_resumes_after_a_drain()
    {
        _directory.WriteFile("tidings.json", $$"""{ "Tidings": { "MemoryHighWatermarkBytes": {{Limit}} } }""");
        using var server = ServerProcess.Start(_directory.Path, "serve", "--config", _directory.Combine("tidings.json"),
            "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"));
        var listening = AmqpListeningLine().Match(await server.WaitForMessageAsync("Listening on amqp://", StartTimeout));
        Assert.True(listening.Success, server.Output);
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = int.Parse(listening.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) };

        // Several publishers, no consumers: 1 MiB and 64 KiB, transient and persistent.
        (string Queue, int Size, bool Persistent)[] storm =
            [("big", 1024 * 1024, false), ("big", 1024 * 1024, false), ("small", 64 * 1024, false), ("big-p", 1024 * 1024, true), ("small-p", 64 * 1024, true)];
        var publishers = new List<IConnection>();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stormOver = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var tasks = new List<Task>();
        foreach (var (queue, size, persistent) in storm)
        {
            var connection = await factory.CreateConnectionAsync();
            publishers.Add(connection);
            connection.ConnectionBlockedAsync += (_, _) => { blocked.TrySetResult(); return Task.CompletedTask; };
            var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(queue, durable: persistent, exclusive: false, autoDelete: false);
            tasks.Add(PublishUntilAsync(channel, queue, size, persistent, stormOver.Token));
        }
        // A blocked client's writes wait in its socket; the storm ends by the clock, not by them.
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(8)));
        Assert.True(blocked.Task.IsCompleted, "the storm never raised the memory alarm");

        long peakAfterStorm = Kib(server.Id, "VmHWM") * 1024;

        // Consumers drain every queue; the alarm must then clear and publishing resume.
        await using (var consumerConnection = await factory.CreateConnectionAsync())
        {
            var consumer = await consumerConnection.CreateChannelAsync();
            await consumer.BasicQosAsync(0, 100, false);
            foreach (var queue in storm.Select(s => s.Queue).Distinct())
            {
                var handler = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consumer);
                handler.ReceivedAsync += async (_, e) => await consumer.BasicAckAsync(e.DeliveryTag, false);
                await consumer.BasicConsumeAsync(queue, autoAck: false, handler);
            }
            using var drainDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!drainDeadline.IsCancellationRequested)
            {
                uint left = 0;
                foreach (var queue in storm.Select(s => s.Queue).Distinct()) left += await consumer.MessageCountAsync(queue);
                if (left == 0) break;
                await Task.Delay(100);
            }
            Assert.False(drainDeadline.IsCancellationRequested, "the queues did not drain");

            var fresh = await factory.CreateConnectionAsync();
            await using (fresh)
            {
                var confirmed = await fresh.CreateChannelAsync(new CreateChannelOptions(true, true));
                using var resumeDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await confirmed.BasicPublishAsync("", "small", false, new BasicProperties(), new byte[1024], resumeDeadline.Token);
            }
        }
        long peak = Kib(server.Id, "VmHWM") * 1024;
        foreach (var connection in publishers) await connection.AbortAsync();

        // Measured 1.07-1.12x after the storm and 1.20-1.27x after the drain on this 2-core machine
        // under a parallel test load (the drain's read-back copies and output buffers); the faults
        // this guards against reached 1.7x (the GC's own large-object budget) and 3x (a watermark
        // that read only the managed heap), so 1.4x keeps them caught without failing on noise.
        Assert.True(peak <= Limit * 7 / 5,
            $"peak RSS {peak / 1_000_000} MB is {(double)peak / Limit:F2}x the {Limit / 1_000_000} MB watermark (after the storm {peakAfterStorm / 1_000_000} MB)");
    }

    private static async Task PublishUntilAsync(IChannel channel, string queue, int size, bool persistent, CancellationToken stop)
    {
        var body = new byte[size];
        var properties = new BasicProperties { Persistent = persistent };
        try
        {
            while (!stop.IsCancellationRequested) await channel.BasicPublishAsync("", queue, false, properties, body, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static long Kib(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)).Single();
}
