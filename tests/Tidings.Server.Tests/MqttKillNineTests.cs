using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidings.Server.Tests;

/// <summary>
/// The hive sensors' promise under SIGKILL: QoS 1 reports acknowledged to the sensor while the app
/// service was offline are in its persistent session after `kill -9` and a restart (mosquitto
/// clients on both sides), and a QoS 2 flow open at the kill is finished without routing twice.
/// </summary>
public sealed partial class MqttKillNineTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"mqtt://127\.0\.0\.1:(\d+)")]
    private static partial Regex MqttAddress();

    private async Task<(ServerProcess Server, string Port)> StartAsync()
    {
        var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0",
            "--data-dir", _directory.Combine("data"));
        var line = await server.WaitForMessageAsync("(MQTT listener)", TimeSpan.FromSeconds(30));
        return (server, MqttAddress().Match(line).Groups[1].Value);
    }

    [UnixTheory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Qos1_reports_acknowledged_while_the_subscriber_was_away_survive_kill_9(string version)
    {
        string[] session = ["-V", version, "-i", "occupancy-" + version, "-c", "-q", "1", "-t", "hives/+/sensors/#"];
        if (version == "mqttv5") session = [.. session, "-x", "3600"];
        var (first, port) = await StartAsync();
        using (first)
        {
            // -E: exit once the subscription is acknowledged, leaving the persistent session behind.
            var subscribed = await ExternalProcess.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, .. session, "-E"]);
            Assert.True(subscribed.ExitCode == 0, subscribed.Describe());
            // -l: one QoS 1 message per line; mosquitto_pub exits 0 once every PUBACK came.
            byte[] lines = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 50).Select(i => $"report {i}\n")));
            var published = await ExternalProcess.RunAsync("mosquitto_pub",
                ["-h", "127.0.0.1", "-p", port, "-V", version, "-q", "1", "-t", "hives/h1/sensors/s1", "-l"], stdin: lines);
            Assert.True(published.ExitCode == 0, published.Describe());
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        var (second, portAgain) = await StartAsync();
        using (second)
        {
            var received = await ExternalProcess.RunAsync("mosquitto_sub",
                ["-h", "127.0.0.1", "-p", portAgain, .. session, "-C", "50", "-W", "20"]);
            Assert.True(received.ExitCode == 0, received.Describe());
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"report {i}"), received.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            second.SendSigterm();
            await second.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [UnixFact]
    public async Task A_qos2_flow_open_at_kill_9_is_finished_once()
    {
        var (first, port) = await StartAsync();
        using (first)
        {
            // The app service's persistent session (a durable queue) sees what is routed.
            var subscribed = await ExternalProcess.RunAsync("mosquitto_sub",
                ["-h", "127.0.0.1", "-p", port, "-i", "q2-watch", "-c", "-q", "2", "-t", "k9/q2", "-E"]);
            Assert.True(subscribed.ExitCode == 0, subscribed.Describe());
            using var sensor = await RawConnectAsync(port, expectPresent: false);
            await sensor.GetStream().WriteAsync(Publish(dup: false));
            Assert.Equal([0x50, 2, 0, 5], await ReadAsync(sensor, 4));
            // Killed before the sensor's PUBREL.
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        var (second, portAgain) = await StartAsync();
        using (second)
        {
            using var sensor = await RawConnectAsync(portAgain, expectPresent: true);
            var stream = sensor.GetStream();
            // It never saw PUBREC: it resends the PUBLISH with DUP, then PUBREL.
            await stream.WriteAsync(Publish(dup: true));
            Assert.Equal([0x50, 2, 0, 5], await ReadAsync(sensor, 4));
            await stream.WriteAsync(new byte[] { 0x62, 2, 0, 5 });
            Assert.Equal([0x70, 2, 0, 5], await ReadAsync(sensor, 4));

            // -W 3: the one message, then nothing more for the rest of the wait.
            var received = await ExternalProcess.RunAsync("mosquitto_sub",
                ["-h", "127.0.0.1", "-p", portAgain, "-i", "q2-watch", "-c", "-q", "2", "-t", "k9/q2", "-W", "3"]);
            Assert.Equal(["exactly once"], received.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            second.SendSigterm();
            await second.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>PUBLISH QoS 2, packet id 5, topic k9/q2, payload "exactly once" (MQTT 3.1.1).</summary>
    private static byte[] Publish(bool dup)
    {
        byte[] topic = Encoding.ASCII.GetBytes("k9/q2"), payload = Encoding.ASCII.GetBytes("exactly once");
        return [(byte)(0x34 | (dup ? 0x08 : 0)), (byte)(2 + topic.Length + 2 + payload.Length), 0, (byte)topic.Length, .. topic, 0, 5, .. payload];
    }

    /// <summary>A 3.1.1 client "k9-sensor" with clean session 0, past CONNACK.</summary>
    private static async Task<TcpClient> RawConnectAsync(string port, bool expectPresent)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", int.Parse(port, CultureInfo.InvariantCulture));
        byte[] id = Encoding.ASCII.GetBytes("k9-sensor");
        byte[] connect = [0x10, (byte)(10 + 2 + id.Length), 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x00, 0, 60, 0, (byte)id.Length, .. id];
        await tcp.GetStream().WriteAsync(connect);
        Assert.Equal([0x20, 2, (byte)(expectPresent ? 1 : 0), 0], await ReadAsync(tcp, 4));
        return tcp;
    }

    private static async Task<byte[]> ReadAsync(TcpClient tcp, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[count];
        await tcp.GetStream().ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }
}
