using System.Text;
using System.Text.Json;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// pika (Debian's python3-pika, BlockingConnection) against Tidings; the client side is
/// tests/interop/python/pika_client.py, which prints one JSON result per scenario.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class PikaTests
{
    [Fact]
    public async Task Published_messages_are_consumed_and_got_intact_in_order_with_properties()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "publish_consume_get");

        var consumed = result.GetProperty("consumed").EnumerateArray().ToList();
        Assert.Equal(30, consumed.Count);
        for (int i = 0; i < consumed.Count; i++)
        {
            var message = consumed[i];
            Assert.Equal(Body("consume", i), message.GetProperty("body").GetBytesFromBase64());
            Assert.Equal($"id-{i}", message.GetProperty("message_id").GetString());
            Assert.Equal($"corr-{i}", message.GetProperty("correlation_id").GetString());
            Assert.Equal("application/octet-stream", message.GetProperty("content_type").GetString());
            Assert.Equal(2, message.GetProperty("delivery_mode").GetInt32());
            Assert.Equal(i, message.GetProperty("headers").GetProperty("index").GetInt32());
            Assert.Equal("pika", message.GetProperty("headers").GetProperty("tag").GetString());
            Assert.False(message.GetProperty("redelivered").GetBoolean());
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => Body("get", i)), Base64List(result.GetProperty("got")));
        // basic.get-ok's message-count is what is left behind the message taken.
        Assert.Equal([4, 3, 2, 1, 0], result.GetProperty("get_message_counts").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(result.GetProperty("get_empty").GetBoolean());
        Assert.Equal(0, result.GetProperty("remaining").GetInt32());

        var queue = server.Broker.DefaultVirtualHost.FindQueue("pika.work");
        Assert.NotNull(queue);
        Assert.True(queue.Durable);
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
    }

    [Fact]
    public async Task Confirm_mode_confirms_every_publish_and_raises_UnroutableError_for_a_mandatory_unroutable_one()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "confirms_and_returns");

        Assert.Equal(51, result.GetProperty("confirmed").GetInt32());
        var unroutable = result.GetProperty("unroutable");
        Assert.Equal(JsonValueKind.Object, unroutable.ValueKind);
        Assert.Equal(312, unroutable.GetProperty("reply_code").GetInt32());
        Assert.Equal("NO_ROUTE", unroutable.GetProperty("reply_text").GetString());
        Assert.Equal("pika.no-such-queue", unroutable.GetProperty("routing_key").GetString());
        Assert.Equal("lost"u8.ToArray(), unroutable.GetProperty("body").GetBytesFromBase64());
        Assert.Equal("lost-1", unroutable.GetProperty("message_id").GetString());
        // Exactly the 51 routed messages, in order: the returned and the dropped ones went nowhere.
        Assert.Equal(Enumerable.Range(0, 51).Select(i => Body("confirm", i)), Base64List(result.GetProperty("drained")));
        Assert.True(result.GetProperty("channel_open").GetBoolean());
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("pika.confirm")?.MessageCount);
    }

    [Fact]
    public async Task Consumer_threads_with_prefetch_1_each_receive_their_queue_in_order_one_at_a_time()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "prefetch_workers");

        Assert.Empty(result.GetProperty("errors").EnumerateArray());
        Assert.Empty(result.GetProperty("hung_threads").EnumerateArray());
        int perQueue = result.GetProperty("per_queue").GetInt32();
        var queues = result.GetProperty("queues").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(4, queues.Count);
        foreach (var name in queues)
        {
            var worker = result.GetProperty("results").GetProperty(name);
            Assert.Equal(Enumerable.Range(0, perQueue).Select(i => Body(name, i)), Base64List(worker.GetProperty("received")));
            // With prefetch 1 the broker never pushed a second message before the first was acked.
            Assert.Equal(0, worker.GetProperty("max_waiting").GetInt32());
            var queue = server.Broker.DefaultVirtualHost.FindQueue(name);
            Assert.NotNull(queue);
            Assert.Equal(0, queue.MessageCount);
            Assert.Equal(0, queue.UnackedCount);
        }
    }

    [Fact]
    public async Task Passive_declare_of_a_missing_queue_closes_only_that_channel_with_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "channel_error");

        var error = result.GetProperty("error");
        Assert.Equal(JsonValueKind.Object, error.ValueKind);
        Assert.Equal(404, error.GetProperty("reply_code").GetInt32());
        Assert.Equal("NOT_FOUND - no queue 'pika.missing' in vhost '/'", error.GetProperty("reply_text").GetString());
        Assert.True(result.GetProperty("after").GetProperty("channel_closed").GetBoolean());
        Assert.True(result.GetProperty("after").GetProperty("connection_open").GetBoolean());
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Body("after", i)), Base64List(result.GetProperty("got")));
        var second = result.GetProperty("second_error");
        Assert.Equal(404, second.GetProperty("reply_code").GetInt32());
        Assert.Equal("NOT_FOUND - no exchange 'pika.missing-exchange' in vhost '/'", second.GetProperty("reply_text").GetString());
        Assert.True(result.GetProperty("still_open").GetBoolean());
    }

    /// <summary>pika_client.py's body(prefix, i), recomputed here so "intact" does not rest on the script.</summary>
    internal static byte[] Body(string prefix, int i)
    {
        byte[] allBytes = [.. Enumerable.Range(0, 256).Select(b => (byte)b)];
        if (i == 7) return allBytes;
        if (i == 13)
            return [.. Encoding.UTF8.GetBytes($"{prefix}-{i}:"), .. Enumerable.Repeat(allBytes, 1200).SelectMany(b => b)];
        return Encoding.UTF8.GetBytes($"{prefix}-{i}:{new string('é', i % 5)}");
    }

    private static List<byte[]> Base64List(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => e.GetBytesFromBase64())];

    [Fact]
    public async Task A_dead_letter_routing_key_AMQP_cannot_carry_is_refused_at_declare_and_one_that_fits_dead_letters_on_expiry()
    {
        // Issue 10, defect 1: the 256-byte key used to be accepted; the expired message then
        // failed to encode on the TTL timer thread and ended the broker process.
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "long_dead_letter_routing_key");

        var refused = result.GetProperty("refused");
        Assert.Equal(406, refused.GetProperty("reply_code").GetInt32());
        Assert.StartsWith("PRECONDITION_FAILED - invalid arg 'x-dead-letter-routing-key'", refused.GetProperty("reply_text").GetString());
        var received = Assert.Single(result.GetProperty("received").EnumerateArray());
        Assert.Equal(new string('k', 255), received.GetProperty("routing_key").GetString());
        Assert.Equal("x"u8.ToArray(), received.GetProperty("body").GetBytesFromBase64());
        Assert.True(result.GetProperty("other_connection_open").GetBoolean());
        Assert.Equal(0, server.Broker.Faults.Count);
    }

    [Fact]
    public async Task Binding_a_missing_queue_to_the_default_exchange_is_refused_with_403_not_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "bind_default_exchange");

        var error = result.GetProperty("error");
        Assert.Equal(403, error.GetProperty("reply_code").GetInt32());
        Assert.Equal("ACCESS_REFUSED - operation not permitted on the default exchange", error.GetProperty("reply_text").GetString());
        Assert.True(result.GetProperty("still_open").GetBoolean());
    }

    private static async Task<JsonElement> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequirePythonModulesAsync("pika");
        var run = await ExternalProcess.RunPythonAsync("pika_client.py", scenario, server.AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, run.Describe());
        return JsonDocument.Parse(run.StdOut).RootElement;
    }
}
