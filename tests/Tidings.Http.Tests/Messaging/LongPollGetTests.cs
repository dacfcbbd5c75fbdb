using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Tidings.Http.Tests.Messaging;

public sealed class LongPollGetTests
{
    private const string GetPath = "/api/rest/vhosts/%2F/queues/work/get";

    [Fact]
    public async Task Long_poll_get_waits_for_a_message_published_during_the_wait()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var client = server.Client();

        var get = Rest.PostAsync(client, GetPath, new { wait_ms = 10_000, ack = "auto" });
        // The get long-polls with the core's connectionless receive: it waits on the queue, not as a consumer.
        await Eventually.TrueAsync(() => ((Tidings.Core.Queues.MessageQueue)queue).ReceiversWaiting == 1, "the get is waiting");
        Assert.False(get.IsCompleted);
        Rest.PublishNumbered(server, "work", 1);
        using var response = await get.WaitAsync(Rest.Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Rest.JsonAsync(response);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("lease_id").ValueKind);
        var messages = body.GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal("m0", Rest.Payload(messages[0]));
        await Eventually.TrueAsync(() => ((Tidings.Core.Queues.MessageQueue)queue).ReceiversWaiting == 0 && queue.ConsumerCount == 0 &&
            queue.UnackedCount == 0, "the get settled its delivery");
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public async Task Long_poll_get_returns_no_messages_after_the_timeout()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var client = server.Client();

        var clock = Stopwatch.StartNew();
        using var response = await Rest.PostAsync(client, GetPath, new { wait_ms = 300 });

        Assert.InRange(clock.ElapsedMilliseconds, 250, 10_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Rest.JsonAsync(response);
        Assert.Equal(0, body.GetProperty("messages").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("lease_id").ValueKind);
        Assert.Equal(0, queue.ConsumerCount);
    }

    [Fact]
    public async Task Get_returns_at_most_count_ready_messages_without_waiting()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        Rest.PublishNumbered(server, "work", 5);
        using var client = server.Client();

        using var response = await Rest.PostAsync(client, GetPath, new { count = 3, ack = "auto", wait_ms = 30_000 });

        var messages = (await Rest.JsonAsync(response)).GetProperty("messages");
        Assert.Equal(["m0", "m1", "m2"], messages.EnumerateArray().Select(Rest.Payload));
        Assert.Equal(2, server.Broker.DefaultVirtualHost.FindQueue("work")!.MessageCount);
    }

    [Fact]
    public async Task A_get_of_many_large_messages_returns_them_all_intact()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        for (int i = 0; i < 40; i++)
            server.Broker.DefaultVirtualHost.Publish("", "work", Tidings.Core.Messages.MessageProperties.Empty,
                System.Text.Encoding.UTF8.GetBytes(new string((char)('a' + i % 26), 10_000)));
        using var client = server.Client();

        using var response = await Rest.PostAsync(client, GetPath, new { count = 40, ack = "auto" });

        var messages = (await Rest.JsonAsync(response)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(40, messages.Count);
        for (int i = 0; i < 40; i++) Assert.Equal(new string((char)('a' + i % 26), 10_000), Rest.Payload(messages[i]));
        await Eventually.TrueAsync(() => server.Broker.DefaultVirtualHost.FindQueue("work")!.UnackedCount == 0, "the get acked");
    }

    [Fact]
    public async Task Manual_get_holds_messages_under_a_lease_until_acked()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        Rest.PublishNumbered(server, "work", 3);
        using var client = server.Client();

        using var response = await Rest.PostAsync(client, GetPath, new { count = 3, ack = "manual" });
        var body = await Rest.JsonAsync(response);
        string lease = body.GetProperty("lease_id").GetString()!;
        Assert.True(body.GetProperty("lease_expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        var tags = body.GetProperty("messages").EnumerateArray().Select(Rest.Tag).ToArray();
        Assert.Equal(3, queue.UnackedCount);

        using var one = await Rest.PostAsync(client, $"/api/rest/leases/{lease}/ack", new { delivery_tag = tags[0] });
        Assert.Equal(2, (await Rest.JsonAsync(one)).GetProperty("unacked").GetInt32());
        using var nack = await Rest.PostAsync(client, $"/api/rest/leases/{lease}/nack", new { delivery_tag = tags[1], requeue = true });
        Assert.Equal(1, (await Rest.JsonAsync(nack)).GetProperty("unacked").GetInt32());
        Assert.Equal(1, queue.MessageCount);
        using var rest = await client.PostAsync($"/api/rest/leases/{lease}/ack", null); // no body: all that is left
        Assert.Equal(0, (await Rest.JsonAsync(rest)).GetProperty("unacked").GetInt32());

        // Settling everything ended the lease.
        using var gone = await Rest.PostAsync(client, $"/api/rest/leases/{lease}/ack", new { delivery_tag = tags[2] });
        await Rest.AssertErrorAsync(gone, HttpStatusCode.NotFound);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
    }

    [Fact]
    public async Task An_expired_lease_requeues_its_messages_as_redelivered()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        Rest.PublishNumbered(server, "work", 2);
        using var client = server.Client();

        using var response = await Rest.PostAsync(client, GetPath, new { count = 2, lease_ms = 200 });
        var leased = await Rest.JsonAsync(response);
        string lease = leased.GetProperty("lease_id").GetString()!;
        // Not queue.UnackedCount: on a loaded machine the 200 ms lease may already have run out here.
        Assert.Equal(2, leased.GetProperty("messages").GetArrayLength());
        Assert.All(leased.GetProperty("messages").EnumerateArray(), m => Assert.False(Rest.Redelivered(m)));

        await Eventually.TrueAsync(() => queue.MessageCount == 2 && queue.UnackedCount == 0, "the lease expired");
        using var late = await Rest.PostAsync(client, $"/api/rest/leases/{lease}/ack", new { });
        Assert.Contains("expired", await Rest.AssertErrorAsync(late, HttpStatusCode.NotFound));

        using var again = await Rest.PostAsync(client, GetPath, new { count = 2, ack = "auto" });
        var messages = (await Rest.JsonAsync(again)).GetProperty("messages");
        Assert.All(messages.EnumerateArray(), m => Assert.True(Rest.Redelivered(m)));
        Assert.Equal(["m0", "m1"], messages.EnumerateArray().Select(Rest.Payload));
    }

    [Fact]
    public async Task A_lease_is_not_visible_to_another_user()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        server.Broker.AddUser("bob", "secret").SetPermissions("/", Tidings.Core.Security.VhostPermissions.All);
        Rest.PublishNumbered(server, "work", 1);
        using var guest = server.Client();
        using var bob = server.Client("bob", "secret");

        using var response = await Rest.PostAsync(guest, GetPath, new { });
        string lease = (await Rest.JsonAsync(response)).GetProperty("lease_id").GetString()!;

        using var stolen = await Rest.PostAsync(bob, $"/api/rest/leases/{lease}/ack", new { });
        await Rest.AssertErrorAsync(stolen, HttpStatusCode.NotFound);
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("work")!.UnackedCount);
    }
}
