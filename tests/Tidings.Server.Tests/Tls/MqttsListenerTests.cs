using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;

namespace Tidings.Server.Tests.Tls;

/// <summary>
/// MQTT over TLS (mqtts, 8883 by default) with Debian's mosquitto clients: a subscriber and a
/// publisher that trust the test CA exchange a QoS 1 message; one that does not trust it is refused.
/// </summary>
public sealed class MqttsListenerTests(TlsServer server) : IClassFixture<TlsServer>
{
    private string[] Tls(bool trustTestCa = true) =>
        ["-h", "127.0.0.1", "-p", server.MqttsPort.ToString(CultureInfo.InvariantCulture),
            "--cafile", trustTestCa ? server.Certificates.AuthorityFile : "/etc/ssl/certs/ca-certificates.crt"];

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Mosquitto_clients_over_mqtts_trusting_the_test_CA_publish_and_subscribe(string version)
    {
        string topic = $"tls/{version}/reading";
        // -C 1: exit after one message; -W: give up after 20 s.
        await using var subscriber = ExternalProcess.Start("mosquitto_sub",
            [.. Tls(), "-V", version, "-t", topic, "-q", "1", "-C", "1", "-W", "20", "-i", "tls-sub-" + version]);
        // The subscription is in place once the broker lists the subscriber's queue binding.
        var broker = server.App.Services.GetRequiredService<Tidings.Core.Broker>();
        await Eventually.TrueAsync(() => broker.DefaultVirtualHost.Bindings.Any(b => b.RoutingKey == topic.Replace('/', '.')),
            $"the subscription to {topic} ({subscriber.StdErr})");

        var publish = await ExternalProcess.RunAsync("mosquitto_pub",
            [.. Tls(), "-V", version, "-t", topic, "-q", "1", "-m", "over tls", "-i", "tls-pub-" + version]);
        Assert.True(publish.ExitCode == 0, publish.Describe());

        Assert.True(await subscriber.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"mosquitto_sub got nothing: {subscriber.StdErr}");
        Assert.Equal("over tls", subscriber.StdOut.Trim());
    }

    [Fact]
    public async Task A_mosquitto_client_that_does_not_trust_the_certificate_is_refused()
    {
        var publish = await ExternalProcess.RunAsync("mosquitto_pub",
            [.. Tls(trustTestCa: false), "-t", "tls/untrusted", "-m", "x", "-q", "1"]);
        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("TLS error", publish.StdErr + publish.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_serves_MQTT_over_secure_WebSocket_at_mqtt_on_the_HTTPS_port()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mqtt");
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => server.Certificates.Validate(certificate, errors);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{server.HttpsPort}/mqtt"), timeout.Token);
        Assert.Equal("mqtt", socket.SubProtocol);

        // CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id "ws".
        byte[] connect = [0x10, 14, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 2, (byte)'w', (byte)'s'];
        await socket.SendAsync(connect, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        var connAck = new byte[4];
        int read = 0;
        while (read < connAck.Length)
        {
            var result = await socket.ReceiveAsync(connAck.AsMemory(read), timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            read += result.Count;
        }
        // CONNACK, session present 0, return code 0 (accepted).
        Assert.Equal([0x20, 2, 0, 0], connAck);
    }
}
