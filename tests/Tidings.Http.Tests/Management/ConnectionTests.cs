using System.Net;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core.Security;

namespace Tidings.Http.Tests.Management;

public sealed class ConnectionTests
{
    private static async Task<JsonElement> SingleConnectionAsync(HttpClient client)
    {
        JsonElement list = default;
        await Eventually.TrueAsync(async () =>
        {
            list = await client.GetJsonAsync("/api/connections");
            return list.GetArrayLength() == 1;
        }, "one connection");
        return list[0];
    }

    [Fact]
    public async Task An_amqp_connection_is_listed_with_rabbitmq_fields()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        await using var amqp = await server.ConnectAmqpAsync("billing-service");
        using var client = server.Client();

        var connection = await SingleConnectionAsync(client);

        ManagementApi.AssertHasFields(connection, "name", "node", "vhost", "user", "state", "protocol", "type", "host", "port",
            "peer_host", "peer_port", "ssl", "auth_mechanism", "client_properties", "connected_at", "channels", "channel_max",
            "frame_max", "timeout", "recv_oct", "recv_oct_details", "send_oct", "send_oct_details");
        string name = connection.GetProperty("name").GetString()!;
        int peerPort = connection.GetProperty("peer_port").GetInt32();
        Assert.Equal($"127.0.0.1:{peerPort} -> 127.0.0.1:{server.AmqpPort}", name);
        Assert.Equal(server.AmqpPort, connection.GetProperty("port").GetInt32());
        Assert.Equal("127.0.0.1", connection.GetProperty("host").GetString());
        Assert.Equal("AMQP 0-9-1", connection.GetProperty("protocol").GetString());
        Assert.Equal("network", connection.GetProperty("type").GetString());
        Assert.Equal("running", connection.GetProperty("state").GetString());
        Assert.Equal("guest", connection.GetProperty("user").GetString());
        Assert.Equal("/", connection.GetProperty("vhost").GetString());
        Assert.Equal("PLAIN", connection.GetProperty("auth_mechanism").GetString());
        Assert.False(connection.GetProperty("ssl").GetBoolean());
        Assert.Equal("billing-service", connection.GetProperty("client_properties").GetProperty("connection_name").GetString());
        Assert.True(connection.GetProperty("client_properties").GetProperty("capabilities").GetProperty("publisher_confirms").GetBoolean());
        Assert.True(connection.GetProperty("frame_max").GetInt64() > 0);
        Assert.True(connection.GetProperty("recv_oct").GetInt64() > 0);
        Assert.InRange(connection.GetProperty("connected_at").GetInt64(),
            DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);

        var one = await client.GetJsonAsync("/api/connections/" + Uri.EscapeDataString(name));
        Assert.Equal(name, one.GetProperty("name").GetString());
        var inVhost = await client.GetJsonAsync("/api/vhosts/%2F/connections");
        Assert.Equal([name], inVhost.Names());
    }

    [Fact]
    public async Task Channels_and_consumers_of_a_client_are_listed()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("tasks");
        await using var amqp = await server.ConnectAmqpAsync();
        await using var channel = await amqp.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicQosAsync(0, 25, false);
        string tag = await channel.BasicConsumeAsync("tasks", autoAck: false, "c-1", noLocal: false, exclusive: true,
            arguments: new Dictionary<string, object?> { ["x-priority"] = 5 }, new AsyncDefaultBasicConsumer(channel));
        using var client = server.Client();
        string connectionName = (await SingleConnectionAsync(client)).GetProperty("name").GetString()!;

        JsonElement channels = default;
        await Eventually.TrueAsync(async () =>
        {
            channels = await client.GetJsonAsync("/api/channels");
            return channels.GetArrayLength() == 1 && channels[0].GetProperty("confirm").GetBoolean();
        }, "the confirm channel");
        var ch = channels[0];
        ManagementApi.AssertHasFields(ch, "name", "number", "node", "user", "vhost", "connection_details", "consumer_count",
            "prefetch_count", "global_prefetch_count", "confirm", "transactional", "messages_unacknowledged", "state", "message_stats");
        Assert.Equal($"{connectionName} (1)", ch.GetProperty("name").GetString());
        Assert.Equal(1, ch.GetProperty("number").GetInt32());
        Assert.Equal(1, ch.GetProperty("consumer_count").GetInt32());
        Assert.Equal(25, ch.GetProperty("prefetch_count").GetInt32());
        Assert.Equal(0, ch.GetProperty("global_prefetch_count").GetInt32());
        Assert.Equal(connectionName, ch.GetProperty("connection_details").GetProperty("name").GetString());
        Assert.Equal("running", ch.GetProperty("state").GetString());

        var byConnection = await client.GetJsonAsync($"/api/connections/{Uri.EscapeDataString(connectionName)}/channels");
        Assert.Single(byConnection.EnumerateArray());
        var single = await client.GetJsonAsync("/api/channels/" + Uri.EscapeDataString($"{connectionName} (1)"));
        Assert.Equal(1, single.GetProperty("number").GetInt32());

        var consumers = await client.GetJsonAsync("/api/consumers/%2F");
        var consumer = consumers.EnumerateArray().Single();
        ManagementApi.AssertHasFields(consumer, "consumer_tag", "queue", "channel_details", "ack_required", "prefetch_count",
            "exclusive", "arguments", "active", "activity_status");
        Assert.Equal(tag, consumer.GetProperty("consumer_tag").GetString());
        Assert.Equal("tasks", consumer.GetProperty("queue").GetProperty("name").GetString());
        Assert.Equal("/", consumer.GetProperty("queue").GetProperty("vhost").GetString());
        Assert.True(consumer.GetProperty("exclusive").GetBoolean());
        Assert.True(consumer.GetProperty("active").GetBoolean());
        Assert.Equal("up", consumer.GetProperty("activity_status").GetString());
        Assert.Equal(5, consumer.GetProperty("arguments").GetProperty("x-priority").GetInt32());
        var details = consumer.GetProperty("channel_details");
        Assert.Equal(connectionName, details.GetProperty("connection_name").GetString());
        Assert.Equal(1, details.GetProperty("number").GetInt32());
        Assert.Equal("guest", details.GetProperty("user").GetString());
        Assert.Single((await client.GetJsonAsync("/api/consumers")).EnumerateArray());
    }

    [Fact]
    public async Task Deleting_a_connection_closes_the_client_with_320_and_the_given_reason()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        await using var amqp = await server.ConnectAmqpAsync();
        var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        amqp.ConnectionShutdownAsync += (_, args) =>
        {
            closed.TrySetResult(args);
            return Task.CompletedTask;
        };
        using var client = server.Client();
        string name = (await SingleConnectionAsync(client)).GetProperty("name").GetString()!;

        var request = new HttpRequestMessage(HttpMethod.Delete, "/api/connections/" + Uri.EscapeDataString(name));
        request.Headers.Add("X-Reason", "maintenance window");
        await (await client.SendAsync(request)).ExpectAsync(HttpStatusCode.NoContent);

        var shutdown = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(320, shutdown.ReplyCode);
        Assert.Contains("maintenance window", shutdown.ReplyText);
        await Eventually.TrueAsync(async () => (await client.GetJsonAsync("/api/connections")).GetArrayLength() == 0,
            "the connection to go");
        await (await client.DeleteAsync("/api/connections/" + Uri.EscapeDataString(name))).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_management_user_sees_only_its_own_connections_and_cannot_close_others()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("viewer", "pw", ["management"]).SetPermissions("/", VhostPermissions.All);
        server.Broker.AddUser("ops", "pw", ["monitoring"]).SetPermissions("/", VhostPermissions.All);
        await using var amqp = await server.ConnectAmqpAsync();
        using var admin = server.Client();
        string name = (await SingleConnectionAsync(admin)).GetProperty("name").GetString()!;

        using var viewer = server.Client("viewer", "pw");
        Assert.Equal(0, (await viewer.GetJsonAsync("/api/connections")).GetArrayLength());
        await (await viewer.GetAsync("/api/connections/" + Uri.EscapeDataString(name))).ExpectAsync(HttpStatusCode.NotFound);

        using var ops = server.Client("ops", "pw");
        Assert.Equal(1, (await ops.GetJsonAsync("/api/connections")).GetArrayLength());
        await (await ops.DeleteAsync("/api/connections/" + Uri.EscapeDataString(name))).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        Assert.True(amqp.IsOpen);
    }

    [Fact]
    public async Task The_api_own_connections_are_not_listed()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        await (await client.PutJsonAsync("/api/queues/%2F/q")).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(0, (await client.GetJsonAsync("/api/connections")).GetArrayLength());
        Assert.Empty(server.Broker.Connections);
    }
}
