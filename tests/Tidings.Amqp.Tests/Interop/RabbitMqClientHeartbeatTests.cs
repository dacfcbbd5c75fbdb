using System.Diagnostics;
using Wire = Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Heartbeats on the wire, seen from a raw client that controls exactly what it sends.</summary>
public sealed class RabbitMqClientHeartbeatTests
{
    [Fact]
    public async Task The_server_sends_heartbeats_at_the_negotiated_interval_while_the_connection_is_idle()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        var tune = await raw.HandshakeAsync(heartbeat: 1);
        var watch = Stopwatch.StartNew();
        int heartbeats = 0;

        while (watch.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            var frame = await raw.ReadFrameAsync();
            Assert.NotNull(frame);
            Assert.Equal((Wire.FrameType.Heartbeat, (ushort)0), (frame.Type, frame.Channel));
            heartbeats++;
            // Answer in kind so the server keeps the connection.
            await raw.SendRawAsync(Wire.FrameWriter.HeartbeatFrame.ToArray());
        }

        Assert.Equal((ushort)60, tune.Heartbeat);
        Assert.InRange(heartbeats, 2, 10);
    }

    [Fact]
    public async Task A_client_that_negotiates_one_second_heartbeats_and_falls_silent_is_disconnected_within_four_seconds()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(heartbeat: 1);
        var watch = Stopwatch.StartNew();

        // Read (and ignore) whatever the server sends; send nothing at all.
        bool closed = await raw.WaitForServerCloseAsync(TimeSpan.FromSeconds(4));

        Assert.True(closed, "the server kept a silent connection past two missed heartbeat intervals");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), $"disconnected after only {watch.Elapsed}");
        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 0, "the dropped connection is still listed");
    }

    [Fact]
    public async Task Any_traffic_from_the_client_counts_as_a_sign_of_life()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(heartbeat: 1);
        await raw.OpenChannelAsync(1);

        // No heartbeat frames at all, only methods every half second, for well over two intervals.
        for (int i = 0; i < 8; i++)
        {
            await Task.Delay(500);
            await raw.SendMethodAsync(1, new Wire.BasicQos { PrefetchCount = (ushort)(i + 1) });
            await raw.ExpectMethodAsync<Wire.BasicQosOk>(1);
        }

        Assert.Single(server.Broker.Connections);
    }

    [Fact]
    public async Task With_heartbeats_disabled_an_idle_connection_is_kept()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.HeartbeatSeconds = 1);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(heartbeat: 0);

        bool closed = await raw.WaitForServerCloseAsync(TimeSpan.FromSeconds(3));

        Assert.False(closed);
        Assert.Single(server.Broker.Connections);
    }
}
