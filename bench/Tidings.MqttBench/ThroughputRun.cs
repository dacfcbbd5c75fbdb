using System.Diagnostics;

namespace Tidings.MqttBench;

/// <summary>
/// m1 (QoS 0, one subscriber), m2 (QoS 1, one subscriber) and m3 (QoS 0, fan-out to
/// <c>--subscribers</c>): one publisher floods for <c>--time</c> seconds; the receive rate counts
/// the deliveries that arrived within that time over all subscribers.
/// </summary>
internal static class ThroughputRun
{
    public static async Task<MqttBenchResult> RunAsync(MqttBenchOptions options, CancellationToken cancellation)
    {
        int qos = options.Scenario == "m2" ? 1 : 0;
        int subscriberCount = options.Scenario == "m3" ? options.Subscribers : 1;
        string topic = $"bench/{options.Scenario}/{Environment.ProcessId}";
        var subscribers = new List<RawMqttClient>();
        long received = 0;
        try
        {
            for (int i = 0; i < subscriberCount; i++)
            {
                var subscriber = await RawMqttClient.ConnectAsync(options.Broker, $"bench-sub-{Environment.ProcessId}-{i}", cleanSession: true, cancellation);
                subscriber.Received = (_, _) => Interlocked.Increment(ref received);
                await subscriber.SubscribeAsync(topic, qos, cancellation);
                subscribers.Add(subscriber);
            }
            await using var client = await RawMqttClient.ConnectAsync(options.Broker, $"bench-pub-{Environment.ProcessId}", cleanSession: true, cancellation);
            var publisher = new Publisher(client, topic, qos, options.Size, options.Window);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            stop.CancelAfter(TimeSpan.FromSeconds(options.TimeSeconds));
            long started = Stopwatch.GetTimestamp();
            await publisher.FloodAsync(long.MaxValue, stop.Token);
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            long receivedInTime = Interlocked.Read(ref received);
            // The last window of QoS 1 publishes is still being acknowledged; not part of the rate.
            if (qos > 0) await publisher.WaitForAcknowledgementsAsync(TimeSpan.FromSeconds(10));
            return new MqttBenchResult
            {
                Scenario = options.Scenario,
                Label = options.Label,
                Seconds = seconds,
                Published = publisher.Published,
                Acknowledged = publisher.Acknowledged,
                Received = receivedInTime,
                PublishRate = publisher.Published / seconds,
                ReceiveRate = receivedInTime / seconds,
                Connections = subscriberCount + 1,
                Error = subscribers.Select(s => s.Failure).FirstOrDefault(f => f is not null)?.Message,
            };
        }
        finally
        {
            foreach (var subscriber in subscribers) await subscriber.DisposeAsync();
        }
    }
}
