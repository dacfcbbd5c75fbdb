using System.Diagnostics;

namespace Tidings.MqttBench;

/// <summary>
/// m4: QoS 1 at a fixed <c>--rate</c>, each publish its own write; the subscriber (QoS 1) records
/// publish-to-delivery latency of every message from the timestamp in its payload.
/// </summary>
internal static class LatencyRun
{
    public static async Task<MqttBenchResult> RunAsync(MqttBenchOptions options, CancellationToken cancellation)
    {
        string topic = $"bench/m4/{Environment.ProcessId}";
        var samples = new LatencySamples((int)(options.Rate * (options.TimeSeconds + 5)));
        long received = 0;
        await using var subscriber = await RawMqttClient.ConnectAsync(options.Broker, $"bench-sub-{Environment.ProcessId}", cleanSession: true, cancellation);
        subscriber.Received = (_, sent) =>
        {
            samples.Add(sent);
            received++;
        };
        await subscriber.SubscribeAsync(topic, 1, cancellation);
        await using var client = await RawMqttClient.ConnectAsync(options.Broker, $"bench-pub-{Environment.ProcessId}", cleanSession: true, cancellation);
        var publisher = new Publisher(client, topic, 1, options.Size, options.Window);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stop.CancelAfter(TimeSpan.FromSeconds(options.TimeSeconds));
        long started = Stopwatch.GetTimestamp();
        await publisher.PaceAsync(options.Rate, stop.Token);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        // The last messages are still on their way: give them a moment before counting.
        var deadline = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        while (Volatile.Read(ref received) < publisher.Published && Stopwatch.GetTimestamp() < deadline) await Task.Delay(10, cancellation);
        await subscriber.DisposeAsync();
        return new MqttBenchResult
        {
            Scenario = options.Scenario,
            Label = options.Label,
            Seconds = seconds,
            Published = publisher.Published,
            Acknowledged = publisher.Acknowledged,
            Received = received,
            Lost = Math.Max(0, publisher.Published - received),
            PublishRate = publisher.Published / seconds,
            ReceiveRate = received / seconds,
            Latency = samples.Summarise(),
            Connections = 2,
            Error = subscriber.Failure?.Message,
        };
    }
}
