using System.Collections;
using System.Diagnostics;

namespace Tidings.MqttBench;

/// <summary>
/// m6: a subscriber with a persistent session (clean session 0) subscribes at QoS 1 and leaves;
/// <c>--messages</c> QoS 1 messages are published and acknowledged while it is away; it comes
/// back and drains. Lost = acknowledged messages it never received (distinct sequence numbers).
/// </summary>
internal static class OfflineBacklogRun
{
    /// <summary>The drain ends this long after the last delivery (a broker that dropped messages never sends them).</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(3);

    public static async Task<MqttBenchResult> RunAsync(MqttBenchOptions options, CancellationToken cancellation)
    {
        string topic = $"bench/m6/{Environment.ProcessId}";
        string subscriberId = $"bench-backlog-{Environment.ProcessId}";
        var subscriber = await RawMqttClient.ConnectAsync(options.Broker, subscriberId, cleanSession: false, cancellation);
        await subscriber.SubscribeAsync(topic, 1, cancellation);
        await subscriber.DisconnectAsync();

        long published, acknowledged;
        double publishSeconds;
        await using (var client = await RawMqttClient.ConnectAsync(options.Broker, $"bench-pub-{Environment.ProcessId}", cleanSession: true, cancellation))
        {
            var publisher = new Publisher(client, topic, 1, options.Size, options.Window);
            long started = Stopwatch.GetTimestamp();
            await publisher.FloodAsync(options.Messages, cancellation);
            await publisher.WaitForAcknowledgementsAsync(TimeSpan.FromSeconds(60));
            publishSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            published = publisher.Published;
            acknowledged = publisher.Acknowledged;
        }

        var seen = new BitArray(options.Messages);
        long received = 0, distinct = 0, lastDelivery = 0;
        long reconnected = Stopwatch.GetTimestamp();
        void OnReceived(long sequence, long _)
        {
            received++;
            Volatile.Write(ref lastDelivery, Stopwatch.GetTimestamp());
            if (sequence >= 0 && sequence < seen.Length && !seen[(int)sequence])
            {
                seen[(int)sequence] = true;
                distinct++;
            }
        }
        await using (var back = await RawMqttClient.ConnectAsync(options.Broker, subscriberId, cleanSession: false, cancellation, OnReceived))
        {
            while (Volatile.Read(ref distinct) < acknowledged)
            {
                long last = Math.Max(Volatile.Read(ref lastDelivery), reconnected);
                if (Stopwatch.GetElapsedTime(last) > Quiet) break;
                await Task.Delay(20, cancellation);
            }
            // Ends the session, so a next run starts without this backlog.
            await back.DisconnectAsync();
        }
        await using (var cleanup = await RawMqttClient.ConnectAsync(options.Broker, subscriberId, cleanSession: true, cancellation))
        {
        }
        if (distinct < acknowledged) Console.Error.WriteLine($"m6: first missing sequence numbers: {string.Join(' ', Missing(seen, acknowledged).Take(20))}");
        double drainSeconds = (Volatile.Read(ref lastDelivery) - reconnected) / (double)Stopwatch.Frequency;
        return new MqttBenchResult
        {
            Scenario = options.Scenario,
            Label = options.Label,
            Seconds = publishSeconds,
            Published = published,
            Acknowledged = acknowledged,
            Received = received,
            Distinct = distinct,
            Lost = acknowledged - distinct,
            PublishRate = published / publishSeconds,
            ReceiveRate = drainSeconds > 0 ? distinct / drainSeconds : 0,
            DrainSeconds = Math.Max(0, drainSeconds),
            Connections = 2,
        };
    }

    private static IEnumerable<long> Missing(BitArray seen, long count)
    {
        for (int i = 0; i < count && i < seen.Length; i++)
        {
            if (!seen[i]) yield return i;
        }
    }
}
