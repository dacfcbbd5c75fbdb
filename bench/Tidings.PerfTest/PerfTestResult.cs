using System.Text;
using System.Text.Json;

namespace Tidings.PerfTest;

/// <summary>Latency percentiles of a run, in microseconds.</summary>
public sealed record LatencySummary(long P50, long P99, long P999, long Max, long Count);

/// <summary>
/// The x-stream-offset headers of a stream run: each consumer's first and last offset, and over all
/// consumers the deliveries whose offset was not above the previous one, forward jumps, and
/// deliveries without the header. A correct replay from a known offset has all three at 0.
/// </summary>
public sealed record StreamOffsetSummary(IReadOnlyList<long> First, IReadOnlyList<long> Last, long OutOfOrder, long Gaps, long Missing);

/// <summary>What a run measured; <see cref="ToJson"/> is the last line the CLI prints.</summary>
public sealed class PerfTestResult
{
    public string? Label { get; init; }
    public int Producers { get; init; }
    public int Consumers { get; init; }
    public int Queues { get; init; }
    public int Size { get; init; }
    public bool Persistent { get; init; }
    public int Confirm { get; init; }
    public int Rate { get; init; }
    public double Seconds { get; init; }
    public long Published { get; init; }
    public long Confirmed { get; init; }
    public long Nacked { get; init; }
    public long Returned { get; init; }
    public long Consumed { get; init; }
    public double PublishRate { get; init; }
    public double ConsumeRate { get; init; }
    public LatencySummary? Latency { get; init; }
    public int Connections { get; init; }

    /// <summary>Stream runs only (null otherwise): what the consumers saw of x-stream-offset.</summary>
    public StreamOffsetSummary? StreamOffsets { get; init; }
    public double CpuSeconds { get; init; }

    /// <summary>Why the run failed, or null; printed to stderr, not part of the JSON.</summary>
    public string? Error { get; init; }

    /// <summary>0, or the CLI's exit code for <see cref="Error"/>.</summary>
    public int ExitCode { get; init; }

    /// <summary>False when the run never got to traffic (could not connect or declare): no JSON then.</summary>
    public bool Ran { get; init; } = true;

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            if (Label is null)
            {
                json.WriteNull("label");
            }
            else
            {
                json.WriteString("label", Label);
            }
            json.WriteNumber("producers", Producers);
            json.WriteNumber("consumers", Consumers);
            json.WriteNumber("queues", Queues);
            json.WriteNumber("size", Size);
            json.WriteBoolean("persistent", Persistent);
            json.WriteNumber("confirm", Confirm);
            json.WriteNumber("rate", Rate);
            json.WriteNumber("seconds", Math.Round(Seconds, 3));
            json.WriteNumber("published", Published);
            json.WriteNumber("confirmed", Confirmed);
            json.WriteNumber("nacked", Nacked);
            json.WriteNumber("returned", Returned);
            json.WriteNumber("consumed", Consumed);
            json.WriteNumber("publish_rate", Math.Round(PublishRate, 1));
            json.WriteNumber("consume_rate", Math.Round(ConsumeRate, 1));
            if (Latency is null)
            {
                json.WriteNull("latency_us");
            }
            else
            {
                json.WriteStartObject("latency_us");
                json.WriteNumber("p50", Latency.P50);
                json.WriteNumber("p99", Latency.P99);
                json.WriteNumber("p999", Latency.P999);
                json.WriteNumber("max", Latency.Max);
                json.WriteNumber("count", Latency.Count);
                json.WriteEndObject();
            }
            json.WriteNumber("connections", Connections);
            if (StreamOffsets is { } offsets)
            {
                json.WriteStartObject("stream_offsets");
                json.WriteStartArray("first");
                foreach (long o in offsets.First)
                {
                    json.WriteNumberValue(o);
                }
                json.WriteEndArray();
                json.WriteStartArray("last");
                foreach (long o in offsets.Last)
                {
                    json.WriteNumberValue(o);
                }
                json.WriteEndArray();
                json.WriteNumber("out_of_order", offsets.OutOfOrder);
                json.WriteNumber("gaps", offsets.Gaps);
                json.WriteNumber("missing", offsets.Missing);
                json.WriteEndObject();
            }
            json.WriteNumber("cpu_seconds", Math.Round(CpuSeconds, 2));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
