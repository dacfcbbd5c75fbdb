using System.Net;
using System.Text;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Http.Tests.Metrics;

namespace Tidings.Http.Tests.Streams;

public sealed class StreamMetricsTests
{
    private static async Task<PrometheusText> ScrapeAsync(TestBrokerServer server, string path)
    {
        using var client = server.Client(user: null);
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static StreamQueue StreamWithPositions(TestBrokerServer server)
    {
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("events", durable: true, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
        var stream = (StreamQueue)vhost.FindQueue("events")!;
        for (int i = 0; i < 6; i++) vhost.Publish("", "events", new MessageProperties(), Encoding.UTF8.GetBytes($"line {i}"));
        stream.StorePosition("reader-a", 1);
        // Reading through a position counts as reads: 2 read, position "reader-b" at 2.
        stream.ReadAndAdvance("reader-b", 2, []);
        return stream;
    }

    [Fact]
    public async Task Per_object_metrics_have_each_streams_appends_reads_size_segments_and_position_lag()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var stream = StreamWithPositions(server);
        server.Broker.DefaultVirtualHost.DeclareQueue("work", durable: true);

        var metrics = await ScrapeAsync(server, "/metrics/per-object");

        (string, string)[] labels = [("vhost", "/"), ("stream", "events")];
        Assert.Equal(6, metrics.Value("tidings_stream_messages_appended_total", labels));
        Assert.Equal(2, metrics.Value("tidings_stream_messages_read_total", labels));
        Assert.Equal(stream.SizeBytes, metrics.Value("tidings_stream_size_bytes", labels));
        Assert.Equal(stream.SegmentCount, metrics.Value("tidings_stream_segments", labels));
        Assert.Equal(0, metrics.Value("tidings_stream_first_offset", labels));
        Assert.Equal(6, metrics.Value("tidings_stream_next_offset", labels));
        Assert.Equal(5, metrics.Value("tidings_stream_consumer_lag", [.. labels, ("consumer", "reader-a")]));
        Assert.Equal(4, metrics.Value("tidings_stream_consumer_lag", [.. labels, ("consumer", "reader-b")]));
        Assert.Equal("counter", metrics.Types["tidings_stream_messages_appended_total"]);
        Assert.Equal("gauge", metrics.Types["tidings_stream_consumer_lag"]);
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("tidings_stream_", StringComparison.Ordinal)
            && s.Labels.TryGetValue("stream", out var name) && name == "work");
    }

    [Fact]
    public async Task Aggregated_metrics_sum_the_streams_and_their_lag_without_names()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        StreamWithPositions(server);

        var metrics = await ScrapeAsync(server, "/metrics");

        Assert.Equal(6, metrics.Value("tidings_stream_messages_appended_total"));
        Assert.Equal(2, metrics.Value("tidings_stream_messages_read_total"));
        Assert.Equal(9, metrics.Value("tidings_stream_consumer_lag"));
        Assert.False(metrics.Types.ContainsKey("tidings_stream_next_offset"));
        Assert.DoesNotContain(metrics.Samples, s => s.Labels.ContainsKey("stream"));
    }
}
