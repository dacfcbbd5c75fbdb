using System.Text.Json;

namespace Tidings.MqttBench;

/// <summary>What a scenario measured; printed as one JSON line. Latencies are in microseconds.</summary>
internal sealed record MqttBenchResult
{
    public string Scenario { get; init; } = "";
    public string? Label { get; init; }
    public double Seconds { get; init; }
    public long Published { get; init; }
    public long Acknowledged { get; init; }
    /// <summary>Deliveries counted over every subscriber.</summary>
    public long Received { get; init; }
    /// <summary>m6: distinct sequence numbers delivered.</summary>
    public long Distinct { get; init; }
    public long Lost { get; init; }
    public double PublishRate { get; init; }
    public double ReceiveRate { get; init; }
    public LatencySamples.Summary? Latency { get; init; }
    public int Connections { get; init; }
    /// <summary>m6: seconds from reconnect to the last delivery.</summary>
    public double DrainSeconds { get; init; }
    public double CpuSeconds { get; init; }
    public string? Error { get; init; }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("scenario", Scenario);
            if (Label is not null) json.WriteString("label", Label);
            json.WriteNumber("seconds", Math.Round(Seconds, 3));
            json.WriteNumber("published", Published);
            json.WriteNumber("acknowledged", Acknowledged);
            json.WriteNumber("received", Received);
            json.WriteNumber("distinct", Distinct);
            json.WriteNumber("lost", Lost);
            json.WriteNumber("publish_rate", Math.Round(PublishRate));
            json.WriteNumber("receive_rate", Math.Round(ReceiveRate));
            if (Latency is { } l)
            {
                json.WriteStartObject("latency_us");
                json.WriteNumber("p50", l.P50);
                json.WriteNumber("p99", l.P99);
                json.WriteNumber("p999", l.P999);
                json.WriteNumber("max", l.Max);
                json.WriteNumber("count", l.Count);
                json.WriteEndObject();
            }
            json.WriteNumber("connections", Connections);
            json.WriteNumber("drain_seconds", Math.Round(DrainSeconds, 3));
            json.WriteNumber("cpu_seconds", Math.Round(CpuSeconds, 3));
            if (Error is not null) json.WriteString("error", Error);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
