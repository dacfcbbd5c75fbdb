using System.Net;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Management;

public sealed class QueueTests
{
    private static void Publish(TestBrokerServer server, string queue, string body, string vhost = "/") =>
        server.Broker.FindVirtualHost(vhost)!.Publish("", queue, MessageProperties.Empty, Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task A_queue_has_rabbitmq_fields_with_counts_and_rates()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("orders", durable: true, arguments: new Dictionary<string, object?> { ["x-max-length"] = 10L });
        Publish(server, "orders", "one");
        Publish(server, "orders", "two");
        server.Sampler.SampleNow();
        using var client = server.Client();

        var queue = await client.GetJsonAsync("/api/queues/%2F/orders");

        ManagementApi.AssertHasFields(queue, "name", "vhost", "durable", "auto_delete", "exclusive", "arguments", "type", "node",
            "state", "messages", "messages_details", "messages_ready", "messages_ready_details", "messages_unacknowledged",
            "messages_unacknowledged_details", "consumers", "message_bytes", "message_stats", "exclusive_consumer_tag",
            "single_active_consumer_tag", "consumer_details", "policy");
        Assert.Equal("orders", queue.GetProperty("name").GetString());
        Assert.Equal("/", queue.GetProperty("vhost").GetString());
        Assert.True(queue.GetProperty("durable").GetBoolean());
        Assert.Equal("classic", queue.GetProperty("type").GetString());
        Assert.Equal("running", queue.GetProperty("state").GetString());
        Assert.Equal(server.Broker.Options.NodeName, queue.GetProperty("node").GetString());
        Assert.Equal(10, queue.GetProperty("arguments").GetProperty("x-max-length").GetInt32());
        Assert.Equal(2, queue.GetProperty("messages").GetInt32());
        Assert.Equal(2, queue.GetProperty("messages_ready").GetInt32());
        Assert.Equal(0, queue.GetProperty("messages_unacknowledged").GetInt32());
        Assert.Equal(6, queue.GetProperty("message_bytes").GetInt32());
        Assert.Equal(JsonValueKind.Number, queue.GetProperty("messages_details").GetProperty("rate").ValueKind);
        Assert.Equal(2, queue.GetProperty("message_stats").GetProperty("publish").GetInt32());
        Assert.Equal(JsonValueKind.Number, queue.GetProperty("message_stats").GetProperty("publish_details").GetProperty("rate").ValueKind);
        Assert.Equal(0, queue.GetProperty("consumer_details").GetArrayLength());
    }

    [Fact]
    public async Task Consumers_from_an_amqp_client_show_in_consumer_details()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        await using var connection = await server.ConnectAmqpAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 7, false);
        string tag = await channel.BasicConsumeAsync("work", autoAck: false, "worker-1", new AsyncDefaultBasicConsumer(channel));
        using var client = server.Client();

        var queue = await client.GetJsonAsync("/api/queues/%2F/work");

        Assert.Equal(1, queue.GetProperty("consumers").GetInt32());
        var consumer = queue.GetProperty("consumer_details")[0];
        Assert.Equal(tag, consumer.GetProperty("consumer_tag").GetString());
        Assert.Equal(7, consumer.GetProperty("prefetch_count").GetInt32());
        Assert.True(consumer.GetProperty("ack_required").GetBoolean());
        Assert.Equal("work", consumer.GetProperty("queue").GetProperty("name").GetString());
        Assert.EndsWith("(1)", consumer.GetProperty("channel_details").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_creates_with_201_then_answers_204_and_refuses_an_inequivalent_redeclare()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/queues/%2F/jobs", new { durable = true, arguments = new Dictionary<string, object> { ["x-message-ttl"] = 60000 } }))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/queues/%2F/jobs", new { durable = true, arguments = new Dictionary<string, object> { ["x-message-ttl"] = 60000 } }))
            .ExpectAsync(HttpStatusCode.NoContent);
        var error = await (await client.PutJsonAsync("/api/queues/%2F/jobs", new { durable = false }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal("inequivalent arg 'durable' for queue 'jobs' in vhost '/': received 'false' but current is 'true'",
            error!.Value.GetProperty("reason").GetString());
        var queue = server.Broker.DefaultVirtualHost.FindQueue("jobs")!;
        Assert.True(queue.Durable);
        Assert.Equal(60000L, queue.Settings.MessageTtl);
    }

    [Fact]
    public async Task Lowercase_percent_2f_names_the_default_vhost_and_encoded_names_are_decoded()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddVirtualHost("team/a");
        server.Broker.FindUser("guest")!.SetPermissions("team/a", Tidings.Core.Security.VhostPermissions.All);
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/queues/%2f/lower")).ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/queues/team%2Fa/with%20space%2Fslash")).ExpectAsync(HttpStatusCode.Created);

        Assert.NotNull(server.Broker.DefaultVirtualHost.FindQueue("lower"));
        Assert.NotNull(server.Broker.FindVirtualHost("team/a")!.FindQueue("with space/slash"));
        var queue = await client.GetJsonAsync("/api/queues/team%2Fa/with%20space%2Fslash");
        Assert.Equal("team/a", queue.GetProperty("vhost").GetString());
    }

    [Fact]
    public async Task Unknown_queue_and_unknown_vhost_answer_404_object_not_found()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        var error = await (await client.GetAsync("/api/queues/%2F/missing")).ExpectAsync(HttpStatusCode.NotFound, "Object Not Found");
        Assert.Equal("Not Found", error!.Value.GetProperty("reason").GetString());
        await (await client.GetAsync("/api/queues/nowhere")).ExpectAsync(HttpStatusCode.NotFound, "Object Not Found");
        await (await client.DeleteAsync("/api/queues/%2F/missing")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_honours_if_empty_and_if_unused_with_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("full");
        Publish(server, "full", "x");
        using var client = server.Client();

        var error = await (await client.DeleteAsync("/api/queues/%2F/full?if-empty=true")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not empty", error!.Value.GetProperty("reason").GetString());

        await using var connection = await server.ConnectAmqpAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicConsumeAsync("full", autoAck: false, new AsyncDefaultBasicConsumer(channel));
        error = await (await client.DeleteAsync("/api/queues/%2F/full?if-unused=true")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("in use", error!.Value.GetProperty("reason").GetString());

        await (await client.DeleteAsync("/api/queues/%2F/full")).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("full"));
    }

    [Fact]
    public async Task Delete_contents_purges_the_queue()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("purge-me");
        for (int i = 0; i < 5; i++) Publish(server, "purge-me", "m" + i);
        using var client = server.Client();

        await (await client.DeleteAsync("/api/queues/%2F/purge-me/contents")).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("purge-me")!.MessageCount);
    }

    [Fact]
    public async Task Get_with_ack_requeue_true_returns_distinct_messages_and_leaves_them_redelivered()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("inbox");
        server.Broker.DefaultVirtualHost.Publish("", "inbox",
            new MessageProperties { ContentType = "text/plain", Durable = true, Headers = new Dictionary<string, object?> { ["k"] = "v" } },
            Encoding.UTF8.GetBytes("first"));
        Publish(server, "inbox", "second");
        using var client = server.Client();

        var got = await (await client.PostJsonAsync("/api/queues/%2F/inbox/get",
            new { count = 5, ackmode = "ack_requeue_true", encoding = "auto", truncate = 50000 })).ExpectAsync(HttpStatusCode.OK);

        var messages = got!.Value;
        Assert.Equal(2, messages.GetArrayLength());
        var first = messages[0];
        ManagementApi.AssertHasFields(first, "payload_bytes", "redelivered", "exchange", "routing_key", "message_count",
            "properties", "payload", "payload_encoding");
        Assert.Equal("first", first.GetProperty("payload").GetString());
        Assert.Equal("string", first.GetProperty("payload_encoding").GetString());
        Assert.Equal(5, first.GetProperty("payload_bytes").GetInt32());
        Assert.Equal("", first.GetProperty("exchange").GetString());
        Assert.Equal("inbox", first.GetProperty("routing_key").GetString());
        Assert.Equal(1, first.GetProperty("message_count").GetInt32());
        Assert.False(first.GetProperty("redelivered").GetBoolean());
        Assert.Equal("text/plain", first.GetProperty("properties").GetProperty("content_type").GetString());
        Assert.Equal(2, first.GetProperty("properties").GetProperty("delivery_mode").GetInt32());
        Assert.Equal("v", first.GetProperty("properties").GetProperty("headers").GetProperty("k").GetString());
        Assert.Equal("second", messages[1].GetProperty("payload").GetString());

        var queue = server.Broker.DefaultVirtualHost.FindQueue("inbox")!;
        Assert.Equal(2, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        var again = await (await client.PostJsonAsync("/api/queues/%2F/inbox/get",
            new { count = 1, ackmode = "ack_requeue_false", encoding = "auto" })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(again!.Value[0].GetProperty("redelivered").GetBoolean());
        Assert.Equal(1, queue.MessageCount);
    }

    [Fact]
    public async Task Get_encodes_binary_as_base64_and_truncates()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("bin");
        server.Broker.DefaultVirtualHost.Publish("", "bin", MessageProperties.Empty, new byte[] { 0xff, 0xfe, 0x00, 0x01 });
        Publish(server, "bin", "hello world");
        using var client = server.Client();

        var got = (await (await client.PostJsonAsync("/api/queues/%2F/bin/get",
            new { count = 2, ackmode = "reject_requeue_true", encoding = "auto", truncate = 5 })).ExpectAsync(HttpStatusCode.OK))!.Value;

        Assert.Equal("base64", got[0].GetProperty("payload_encoding").GetString());
        Assert.Equal(Convert.ToBase64String(new byte[] { 0xff, 0xfe, 0x00, 0x01 }), got[0].GetProperty("payload").GetString());
        Assert.Equal("hello", got[1].GetProperty("payload").GetString());
        Assert.Equal(11, got[1].GetProperty("payload_bytes").GetInt32());

        var base64 = (await (await client.PostJsonAsync("/api/queues/%2F/bin/get",
            new { count = 1, ackmode = "reject_requeue_false", encoding = "base64" })).ExpectAsync(HttpStatusCode.OK))!.Value;
        Assert.Equal("base64", base64[0].GetProperty("payload_encoding").GetString());
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("bin")!.MessageCount);
    }

    [Fact]
    public async Task Get_without_mandatory_keys_or_with_a_bad_ackmode_is_a_bad_request()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/queues/%2F/q/get", new { ackmode = "ack_requeue_true", encoding = "auto" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PostJsonAsync("/api/queues/%2F/q/get", new { count = 1, ackmode = "sometimes", encoding = "auto" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PostJsonAsync("/api/queues/%2F/q/get", new { count = 1, ackmode = "ack_requeue_true", encoding = "hex" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.SendJsonAsync(HttpMethod.Post, "/api/queues/%2F/q/get", "{not json"))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task An_exclusive_queue_names_its_owner_connection()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        await using var connection = await server.ConnectAmqpAsync();
        await using var channel = await connection.CreateChannelAsync();
        var declared = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        using var client = server.Client();

        var queue = await client.GetJsonAsync("/api/queues/%2F/" + Uri.EscapeDataString(declared.QueueName));

        Assert.True(queue.GetProperty("exclusive").GetBoolean());
        var owner = queue.GetProperty("owner_pid_details");
        Assert.Matches(@"^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$", owner.GetProperty("name").GetString());
        Assert.Equal("127.0.0.1", owner.GetProperty("peer_host").GetString());
    }

    [Fact]
    public async Task Queue_bindings_include_the_default_exchange_binding()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("bound");
        vhost.BindQueue("bound", "amq.topic", "a.#");
        using var client = server.Client();

        var bindings = await client.GetJsonAsync("/api/queues/%2F/bound/bindings");

        Assert.Equal(["", "amq.topic"], bindings.Names("source"));
        Assert.Equal("bound", bindings[0].GetProperty("routing_key").GetString());
    }
}
