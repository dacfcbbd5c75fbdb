using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Tidings.Core;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>A persistent message published over AMQP comes back after a restart as the publisher encoded it.</summary>
public sealed class DurableMessageRestartTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private WebApplication Host() =>
        TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);

    private static BasicProperties Properties() => new()
    {
        Persistent = true,
        ContentType = "application/octet-stream",
        Priority = 3,
        Expiration = "600000",
        MessageId = "m-1",
        Timestamp = new AmqpTimestamp(1_700_000_000),
        // No place for it in the neutral model: only the kept native bytes bring it back.
        ClusterId = "cluster-7",
        Headers = new Dictionary<string, object?>
        {
            ["text"] = "héllo",
            ["int"] = 42,
            ["long"] = 1L << 40,
            ["binary"] = new byte[] { 0, 1, 0xFF },
            ["nested"] = new Dictionary<string, object?> { ["n"] = 1.5 },
            ["list"] = new List<object?> { 1, "two" },
        },
    };

    [Fact]
    public async Task A_persistent_amqp_message_consumed_after_a_restart_has_the_publishers_exact_property_bytes()
    {
        byte[] published;
        await using (var app = Host())
        {
            await app.StartAsync();
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port };
            await using (var connection = await factory.CreateConnectionAsync())
            // No confirm tracking: the client would add its own sequence-number header to each message.
            await using (var channel = await connection.CreateChannelAsync())
            {
                await channel.QueueDeclareAsync("exact", durable: true, exclusive: false, autoDelete: false);
                for (int i = 0; i < 3; i++)
                    await channel.BasicPublishAsync("", "exact", true, Properties(), Encoding.UTF8.GetBytes($"body {i}"));
            }
            var broker = app.Services.GetRequiredService<Broker>();
            for (int i = 0; i < 200 && broker.DefaultVirtualHost.FindQueue("exact")!.MessageCount < 3; i++) await Task.Delay(10);
            // The bytes as the broker received them, from the first copy (acked, so it does not come back).
            var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
            var first = session.Get("exact", noAck: false)!;
            published = first.Message.Properties.Native!.Bytes.ToArray();
            session.Ack(first.DeliveryTag, multiple: false);
            await app.StopAsync();
        }

        await using var restarted = Host();
        await restarted.StartAsync();
        var again = restarted.Services.GetRequiredService<Broker>();
        var core = again.OpenConnection(again.FindUser("guest")!, "/", "test").OpenSession(1);
        var second = core.Get("exact", noAck: false)!;
        Assert.True(second.Redelivered);
        Assert.Equal("body 1", Encoding.UTF8.GetString(second.Message.Body.Span));
        Assert.Equal(Convert.ToHexString(published), Convert.ToHexString(second.Message.Properties.Native!.Bytes.Span));
        core.Ack(second.DeliveryTag, multiple: false);

        var client = new ConnectionFactory { HostName = "127.0.0.1", Port = restarted.GetListenerEndpoint("amqp").Port };
        await using (var connection = await client.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var third = await channel.BasicGetAsync("exact", autoAck: true);
            Assert.NotNull(third);
            Assert.Equal("body 2", Encoding.UTF8.GetString(third.Body.Span));
            var p = third.BasicProperties;
            Assert.Equal("cluster-7", p.ClusterId);
            Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
            Assert.Equal("600000", p.Expiration);
            Assert.Equal((byte)3, p.Priority);
            Assert.Equal(1_700_000_000, p.Timestamp.UnixTime);
            Assert.Equal("héllo", Encoding.UTF8.GetString((byte[])p.Headers!["text"]!));
            Assert.Equal(42, p.Headers["int"]);
            Assert.Equal(1L << 40, p.Headers["long"]);
            Assert.Equal(new byte[] { 0, 1, 0xFF }, p.Headers["binary"]);
        }
        await restarted.StopAsync();
    }
}
