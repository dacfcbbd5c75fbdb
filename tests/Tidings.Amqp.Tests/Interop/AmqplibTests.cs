using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// amqplib (npm, promise API on the machine's Node.js) against Tidings; the client side is
/// tests/interop/node/amqplib_client.js, which prints one JSON result per scenario.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class AmqplibTests
{
    [Fact]
    public async Task Consumer_with_manual_acks_receives_every_message_intact_in_order_within_prefetch()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "consume");

        var received = result.GetProperty("received").EnumerateArray().ToList();
        Assert.Equal(40, received.Count);
        for (int i = 0; i < received.Count; i++)
        {
            Assert.Equal(Body("consume", i), received[i].GetProperty("body").GetBytesFromBase64());
            Assert.Equal($"id-{i}", received[i].GetProperty("messageId").GetString());
            Assert.Equal(2, received[i].GetProperty("deliveryMode").GetInt32());
            Assert.Equal(i, received[i].GetProperty("index").GetInt32());
            Assert.False(received[i].GetProperty("redelivered").GetBoolean());
        }
        Assert.InRange(result.GetProperty("maxUnacked").GetInt32(), 1, 5);
        Assert.Equal(result.GetProperty("consumerTag").GetString(), result.GetProperty("cancelledTag").GetString());
        Assert.Equal(0, result.GetProperty("remaining").GetInt32());
        var queue = server.Broker.DefaultVirtualHost.FindQueue("amqplib.work");
        Assert.NotNull(queue);
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.ConsumerCount);
    }

    [Fact]
    public async Task Confirm_channel_confirms_every_publish_and_returns_a_mandatory_unroutable_one()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "confirm");

        // Callbacks run in publish order, once each, all acks.
        Assert.Equal(Enumerable.Range(0, 50), result.GetProperty("acked").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Empty(result.GetProperty("nacked").EnumerateArray());
        var returned = Assert.Single(result.GetProperty("returned").EnumerateArray());
        Assert.Equal(312, returned.GetProperty("replyCode").GetInt32());
        Assert.Equal("NO_ROUTE", returned.GetProperty("replyText").GetString());
        Assert.Equal("amqplib.no-such-queue", returned.GetProperty("routingKey").GetString());
        Assert.Equal("lost"u8.ToArray(), returned.GetProperty("body").GetBytesFromBase64());
        // RabbitMQ acks a returned message after basic.return: it was handled, just not routed.
        Assert.True(result.GetProperty("unroutableConfirmed").GetBoolean());
        var drained = result.GetProperty("drained").EnumerateArray().Select(e => e.GetBytesFromBase64()).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => Body("confirm", i)), drained);
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("amqplib.confirm")?.MessageCount);
    }

    [Fact]
    public async Task Unacked_messages_are_back_in_the_queue_when_connection_close_ok_arrives()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "requeueOnClose");

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Body("requeue", i)),
            result.GetProperty("firstRound").EnumerateArray().Select(e => e.GetBytesFromBase64()));
        // The three acked are gone; the seven unacked come back in their original order, marked redelivered.
        var secondRound = result.GetProperty("secondRound").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(3, 7).Select(i => Describe(Body("requeue", i))),
            secondRound.Select(e => Describe(e.GetProperty("body").GetBytesFromBase64())));
        Assert.All(secondRound, e => Assert.True(e.GetProperty("redelivered").GetBoolean()));
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("amqplib.requeue")?.MessageCount);
    }

    /// <summary>amqplib_client.js's body(prefix, i), recomputed here so "intact" does not rest on the script.</summary>
    private static byte[] Body(string prefix, int i)
    {
        if (i == 7) return [.. Enumerable.Range(0, 256).Select(b => (byte)b)];
        if (i == 13) return [.. Encoding.UTF8.GetBytes($"{prefix}-{i}:"), .. Enumerable.Repeat((byte)0xab, 300 * 1024)];
        return Encoding.UTF8.GetBytes($"{prefix}-{i}:{new string('é', i % 5)}");
    }

    /// <summary>A body's head as text, so a mismatch in order reads as message names.</summary>
    private static string Describe(byte[] body) =>
        body.Length > 0 && body[0] == (byte)'r' ? Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 16))) + $" ({body.Length} B)" : $"binary ({body.Length} B)";

    [Fact]
    public async Task Update_secret_is_accepted_and_a_default_exchange_bind_of_a_missing_queue_is_refused_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "conformance");

        // amqplib's own suite expects update-secret-ok whatever the secret, as RabbitMQ's internal backend answers.
        Assert.Contains("ACCESS_REFUSED - operation not permitted on the default exchange", result.GetProperty("channelError").GetString());
        Assert.Contains("403", result.GetProperty("bindError").GetString());
        Assert.True(result.GetProperty("stillUsable").GetBoolean());
    }

    private static async Task<JsonElement> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequireNodeModuleAsync("amqplib");
        var run = await ExternalProcess.RunNodeAsync("amqplib_client.js", scenario, server.AmqpPort.ToString(CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, run.Describe());
        return JsonDocument.Parse(run.StdOut).RootElement;
    }
}
