using System.Net;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Http.Tests.Management;

namespace Tidings.Http.Tests.Streams;

public sealed class StreamManagementTests
{
    private static StreamQueue DeclareStream(TestBrokerServer server, string name, Dictionary<string, object?>? extra = null)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "stream" };
        foreach (var (key, value) in extra ?? []) arguments[key] = value;
        server.Broker.DefaultVirtualHost.DeclareQueue(name, durable: true, arguments: arguments);
        return (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue(name)!;
    }

    private static void Publish(TestBrokerServer server, string stream, int count)
    {
        for (int i = 0; i < count; i++)
            server.Broker.DefaultVirtualHost.Publish("", stream, new MessageProperties(), Encoding.UTF8.GetBytes($"line {i}"));
    }

    [Fact]
    public async Task A_stream_shows_its_type_offsets_retention_and_stored_positions_with_lag()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var stream = DeclareStream(server, "events", new() { ["x-max-age"] = "7D", ["x-max-length-bytes"] = 1_000_000L });
        Publish(server, "events", 5);
        stream.StorePosition("reader-a", 2);
        stream.StorePosition("reader-b", 5);
        using var client = server.Client();

        var queue = await client.GetJsonAsync("/api/queues/%2F/events");

        Assert.Equal("stream", queue.GetProperty("type").GetString());
        Assert.Equal("stream", queue.GetProperty("arguments").GetProperty("x-queue-type").GetString());
        Assert.Equal(5, queue.GetProperty("messages").GetInt32());
        Assert.Equal(stream.SegmentCount, queue.GetProperty("segments").GetInt32());
        Assert.Equal(4, queue.GetProperty("committed_offset").GetInt64());
        var details = queue.GetProperty("stream");
        Assert.Equal(stream.SizeBytes, details.GetProperty("size_bytes").GetInt64());
        Assert.True(details.GetProperty("size_bytes").GetInt64() > 0);
        Assert.Equal(0, details.GetProperty("first_offset").GetInt64());
        Assert.Equal(4, details.GetProperty("last_offset").GetInt64());
        Assert.Equal(5, details.GetProperty("next_offset").GetInt64());
        Assert.Equal(stream.FirstTimestampMs, details.GetProperty("first_timestamp").GetInt64());
        var retention = details.GetProperty("retention");
        Assert.Equal(1_000_000, retention.GetProperty("max_length_bytes").GetInt64());
        Assert.Equal("7D", retention.GetProperty("max_age").GetString());
        Assert.Equal(7 * 86400, retention.GetProperty("max_age_seconds").GetInt64());
        Assert.Equal(stream.Retention.MaxSegmentSizeBytes, retention.GetProperty("max_segment_size_bytes").GetInt64());
        var positions = details.GetProperty("consumer_positions").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => (p.GetProperty("offset").GetInt64(), p.GetProperty("lag").GetInt64()));
        Assert.Equal((2L, 3L), positions["reader-a"]);
        Assert.Equal((5L, 0L), positions["reader-b"]);
        Assert.Equal(0, details.GetProperty("live_consumers").GetArrayLength());
    }

    [Fact]
    public async Task An_empty_stream_has_no_last_offset_nor_first_timestamp_and_a_classic_queue_has_no_stream_object()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        DeclareStream(server, "empty");
        server.Broker.DefaultVirtualHost.DeclareQueue("plain", durable: true);
        using var client = server.Client();

        var details = (await client.GetJsonAsync("/api/queues/%2F/empty")).GetProperty("stream");
        var plain = await client.GetJsonAsync("/api/queues/%2F/plain");

        Assert.Equal(JsonValueKind.Null, details.GetProperty("last_offset").ValueKind);
        Assert.Equal(JsonValueKind.Null, details.GetProperty("first_timestamp").ValueKind);
        Assert.Equal(JsonValueKind.Null, details.GetProperty("retention").GetProperty("max_age").ValueKind);
        Assert.Equal(0, details.GetProperty("next_offset").GetInt64());
        Assert.False(plain.TryGetProperty("stream", out _));
    }

    [Fact]
    public async Task Api_streams_lists_only_streams_per_vhost_and_one_by_name()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        DeclareStream(server, "logs");
        DeclareStream(server, "audit");
        server.Broker.DefaultVirtualHost.DeclareQueue("work", durable: true);
        using var client = server.Client();

        var all = await client.GetJsonAsync("/api/streams");
        var inVhost = await client.GetJsonAsync("/api/streams/%2F");
        var one = await client.GetJsonAsync("/api/streams/%2F/logs");
        using var classic = await client.GetAsync("/api/streams/%2F/work");

        Assert.Equal(["audit", "logs"], all.Names());
        Assert.Equal(["audit", "logs"], inVhost.Names());
        Assert.All(all.EnumerateArray(), s => Assert.True(s.TryGetProperty("stream", out _)));
        Assert.Equal("logs", one.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, classic.StatusCode);
    }

    [Fact]
    public async Task Purging_a_stream_is_refused_with_a_json_error()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var stream = DeclareStream(server, "events");
        Publish(server, "events", 3);
        using var client = server.Client();

        var error = await (await client.DeleteAsync("/api/queues/%2F/events/contents")).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Contains("purge not supported", error!.Value.GetProperty("reason").GetString());
        Assert.Equal(3, stream.MessageCount);
    }

    [Fact]
    public async Task A_live_amqp_consumer_shows_its_offset_and_lag()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        DeclareStream(server, "events");
        Publish(server, "events", 10);
        await using var connection = await server.ConnectAmqpAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 4, false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        int received = 0;
        var fourth = new TaskCompletionSource();
        consumer.ReceivedAsync += (_, _) =>
        {
            if (Interlocked.Increment(ref received) == 4) fourth.TrySetResult();
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("events", autoAck: false, "tail-reader", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer);
        await fourth.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var client = server.Client();

        var live = (await client.GetJsonAsync("/api/queues/%2F/events")).GetProperty("stream").GetProperty("live_consumers");

        var reader = Assert.Single(live.EnumerateArray());
        Assert.Equal("tail-reader", reader.GetProperty("consumer_tag").GetString());
        Assert.Equal(4, reader.GetProperty("offset").GetInt64()); // prefetch 4, nothing acked: offsets 0-3 delivered
        Assert.Equal(6, reader.GetProperty("lag").GetInt64());
        Assert.Equal(0, reader.GetProperty("acknowledged_offset").GetInt64());
    }
}
