using System.Collections.Concurrent;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;
using OurVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>MQTTnet clients and raw sockets against an in-process server with the MQTT listener.</summary>
internal static class MqttInterop
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    public static MqttClientOptionsBuilder Options(TestBrokerServer server, MqttProtocolVersion version, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", server.MqttPort)
            .WithProtocolVersion(version)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(10));

    /// <summary>Connects a client that records what it receives.</summary>
    public static async Task<Received> ConnectAsync(TestBrokerServer server, MqttProtocolVersion version, string clientId,
        Action<MqttClientOptionsBuilder>? configure = null)
    {
        var builder = Options(server, version, clientId).WithCleanSession(true);
        configure?.Invoke(builder);
        var client = new MqttClientFactory().CreateMqttClient();
        var received = new Received(client);
        received.Result = await client.ConnectAsync(builder.Build());
        return received;
    }

    public static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();

    public static OurVersion Ours(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? OurVersion.V500 : OurVersion.V311;
}

/// <summary>A connected MQTTnet client and the messages and disconnects it saw.</summary>
internal sealed class Received : IAsyncDisposable
{
    public Received(IMqttClient client)
    {
        Client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            Messages.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            Disconnects.Enqueue(e);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public MqttClientConnectResult? Result { get; set; }

    public ConcurrentQueue<MqttApplicationMessage> Messages { get; } = new();

    public ConcurrentQueue<MqttClientDisconnectedEventArgs> Disconnects { get; } = new();

    public Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce) =>
        Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());

    public async Task<List<MqttApplicationMessage>> WaitForAsync(int count)
    {
        await Eventually.TrueAsync(() => Messages.Count >= count, $"{count} messages (got {Messages.Count})");
        return [.. Messages];
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                await Client.DisconnectAsync();
            }
            catch (Exception)
            {
                // Already gone.
            }
        }
        Client.Dispose();
    }
}

/// <summary>A client on a bare socket, for what MQTTnet will not send: broken packets, silence, a killed socket.</summary>
internal sealed class RawMqttClient : IDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream _stream = null!;

    public static async Task<RawMqttClient> ConnectAsync(int port)
    {
        var raw = new RawMqttClient();
        await raw._tcp.ConnectAsync("127.0.0.1", port);
        raw._stream = raw._tcp.GetStream();
        return raw;
    }

    /// <summary>A client that sent <paramref name="connect"/> and got CONNACK accepted (with that Session Present, when given).</summary>
    public static async Task<RawMqttClient> ConnectAcceptedAsync(int port, byte[] connect, bool? sessionPresent = null)
    {
        var raw = await ConnectAsync(port);
        await raw.SendAsync(connect);
        var connack = await raw.ReadPacketAsync();
        Assert.NotNull(connack);
        Assert.Equal(0x20, connack[0]);
        if (sessionPresent is { } present) Assert.Equal(present ? 1 : 0, connack[2] & 0x01);
        Assert.Equal(0, connack[3]);
        return raw;
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>The next whole packet the server sent; null when it closed the connection.</summary>
    public async Task<byte[]?> ReadPacketAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var first = new byte[1];
        if (await _stream.ReadAsync(first, timeout.Token) == 0) return null;
        var packet = new List<byte> { first[0] };
        int remaining = 0, multiplier = 1;
        while (true)
        {
            if (await _stream.ReadAsync(first, timeout.Token) == 0) return null;
            packet.Add(first[0]);
            remaining += (first[0] & 0x7F) * multiplier;
            multiplier *= 128;
            if ((first[0] & 0x80) == 0) break;
        }
        var body = new byte[remaining];
        int read = 0;
        while (read < remaining)
        {
            int n = await _stream.ReadAsync(body.AsMemory(read), timeout.Token);
            if (n == 0) return null;
            read += n;
        }
        packet.AddRange(body);
        return [.. packet];
    }

    /// <summary>True when the server closes the connection within <paramref name="within"/> (packets before it are skipped).</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan within)
    {
        try
        {
            while (await ReadPacketAsync(within) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Drops the connection with a reset, as a crashed client or a lost network would.</summary>
    public void Kill()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    public void Dispose() => _tcp.Dispose();
}
