using System.Net;
using System.Text.Json;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Management;

public sealed class OverviewAndHealthTests
{
    [Fact]
    public async Task Overview_has_versions_listeners_totals_and_rates()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("q");
        await using var amqp = await server.ConnectAmqpAsync();
        await using var channel = await amqp.CreateChannelAsync();
        using var client = server.Client();

        // The background sampler may sample between our two samples and leave a zero rate; retry then.
        JsonElement overview = default;
        int published = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            server.Sampler.SampleNow();
            for (int i = 0; i < 4; i++) vhost.Publish("", "q", MessageProperties.Empty, new byte[3]);
            published += 4;
            await Task.Delay(50);
            server.Sampler.SampleNow();
            overview = await client.GetJsonAsync("/api/overview");
            if (overview.GetProperty("message_stats").GetProperty("publish_details").GetProperty("rate").GetDouble() > 0 &&
                overview.GetProperty("queue_totals").GetProperty("messages_ready_details").GetProperty("rate").GetDouble() > 0) break;
        }

        ManagementApi.AssertHasFields(overview, "management_version", "rates_mode", "exchange_types", "product_version",
            "product_name", "rabbitmq_version", "cluster_name", "node", "listeners", "contexts", "message_stats",
            "queue_totals", "object_totals", "mem_used", "mem_limit", "disk_free");
        Assert.Equal("Tidings", overview.GetProperty("product_name").GetString());
        Assert.Equal(Broker.Version, overview.GetProperty("product_version").GetString());
        Assert.StartsWith("3.", overview.GetProperty("rabbitmq_version").GetString());
        Assert.Equal(server.Broker.Options.NodeName, overview.GetProperty("node").GetString());
        Assert.Equal(["direct", "fanout", "headers", "topic"], overview.GetProperty("exchange_types").Names());
        var listeners = overview.GetProperty("listeners").EnumerateArray().ToList();
        Assert.Contains(listeners, l => l.GetProperty("protocol").GetString() == "amqp" && l.GetProperty("port").GetInt32() == server.AmqpPort);
        Assert.Contains(listeners, l => l.GetProperty("protocol").GetString() == "http" && l.GetProperty("port").GetInt32() == server.BaseAddress.Port);
        var stats = overview.GetProperty("message_stats");
        Assert.Equal(published, stats.GetProperty("publish").GetInt32());
        Assert.True(stats.GetProperty("publish_details").GetProperty("rate").GetDouble() > 0);
        var totals = overview.GetProperty("queue_totals");
        Assert.Equal(published, totals.GetProperty("messages").GetInt32());
        Assert.Equal(published, totals.GetProperty("messages_ready").GetInt32());
        Assert.True(totals.GetProperty("messages_ready_details").GetProperty("rate").GetDouble() > 0);
        var objects = overview.GetProperty("object_totals");
        Assert.Equal(1, objects.GetProperty("queues").GetInt32());
        Assert.Equal(6, objects.GetProperty("exchanges").GetInt32());
        Assert.Equal(1, objects.GetProperty("connections").GetInt32());
        Assert.Equal(1, objects.GetProperty("channels").GetInt32());
        Assert.Equal(0, objects.GetProperty("consumers").GetInt32());
    }

    [Fact]
    public async Task Nodes_report_memory_disk_and_uptime()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(new BrokerOptions { MemoryHighWatermarkBytes = 0, NodeName = "tidings@test" });
        using var client = server.Client();

        var nodes = await client.GetJsonAsync("/api/nodes");
        var node = await client.GetJsonAsync("/api/nodes/tidings@test");

        Assert.Equal(["tidings@test"], nodes.Names());
        ManagementApi.AssertHasFields(node, "name", "running", "mem_used", "mem_limit", "mem_alarm", "disk_free", "disk_free_limit",
            "disk_free_alarm", "uptime", "partitions");
        Assert.True(node.GetProperty("running").GetBoolean());
        Assert.True(node.GetProperty("mem_used").GetInt64() > 0);
        Assert.Equal(0, node.GetProperty("mem_limit").GetInt64());
        Assert.False(node.GetProperty("mem_alarm").GetBoolean());
        Assert.True(node.GetProperty("disk_free").GetInt64() > 0);
        Assert.True(node.GetProperty("uptime").GetInt64() > 0);
        await (await client.GetAsync("/api/nodes/rabbit@elsewhere")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Aliveness_test_round_trips_a_message_through_a_queue()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        var reply = await client.GetJsonAsync("/api/aliveness-test/%2F");

        Assert.Equal("""{"status":"ok"}""", reply.GetRawText());
        var queue = server.Broker.DefaultVirtualHost.FindQueue("aliveness-test")!;
        Assert.Equal(0, queue.MessageCount);
        await (await client.GetAsync("/api/aliveness-test/missing")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Health_checks_answer_ok_or_503()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        foreach (var check in new[] { "alarms", "local-alarms", "virtual-hosts", "is-in-service", "node-is-quorum-critical",
                     $"port-listener/{server.AmqpPort}", "protocol-listener/amqp091", "certificate-expiration/1/months" })
        {
            using var response = await client.GetAsync("/api/health/checks/" + check);
            Assert.True(response.StatusCode == HttpStatusCode.OK, check + ": " + await response.Content.ReadAsStringAsync());
        }
        using var closed = await client.GetAsync("/api/health/checks/port-listener/1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, closed.StatusCode);
        Assert.Contains("\"status\":\"failed\"", await closed.Content.ReadAsStringAsync());

        server.Broker.Alarms.Set("disk", true);
        using var alarm = await client.GetAsync("/api/health/checks/local-alarms");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, alarm.StatusCode);
    }

    [Fact]
    public async Task Wrong_method_is_405_and_unknown_path_is_404()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/overview", new { })).ExpectAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await (await client.GetAsync("/api/no-such-thing")).ExpectAsync(HttpStatusCode.NotFound, "Object Not Found");
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        var document = await client.GetJsonAsync("/api/openapi.json");

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        foreach (var route in Tidings.Http.Management.ManagementEndpoints.Router.Routes)
        {
            Assert.True(paths.TryGetProperty("/api/" + route.Pattern, out var item), "missing " + route.Pattern);
            Assert.True(item.TryGetProperty(route.Method.ToLowerInvariant(), out _), $"missing {route.Method} {route.Pattern}");
        }
        var get = paths.GetProperty("/api/queues").GetProperty("get");
        Assert.Contains(get.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "page_size");
        Assert.Equal(JsonValueKind.Array, paths.GetProperty("/api/queues/{vhost}/{name}").GetProperty("put").GetProperty("parameters").ValueKind);
    }
}
