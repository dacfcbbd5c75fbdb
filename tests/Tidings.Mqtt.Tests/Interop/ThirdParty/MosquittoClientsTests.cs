using System.Globalization;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop.ThirdParty;

/// <summary>
/// Debian's mosquitto-clients (mosquitto_pub, mosquitto_sub) in MQTT 3.1.1 and 5.0 against
/// Tidings. With -d both print every packet they send and receive, so QoS 2's four-packet flow is
/// checked on the publishing and on the subscribing side.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class MosquittoClientsTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync()
    {
        await ExternalProcess.RequireAsync("mosquitto-clients", "sh", ["-c", "command -v mosquitto_pub && command -v mosquitto_sub"]);
        _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    private string[] Common(string version, string clientId) =>
        ["-h", "127.0.0.1", "-p", _server.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", version, "-i", clientId];

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Qos2_goes_through_pubrec_pubrel_pubcomp_on_both_sides_and_wildcards_match(string version)
    {
        string prefix = $"mosq/{version}";
        // stdbuf -oL: mosquitto_sub's stdout is a pipe here, and its SUBACK line must show before it exits.
        await using var subscriber = ExternalProcess.Start("stdbuf",
            ["-oL", "mosquitto_sub", .. Common(version, "msub-" + version), "-d", "-v", "-q", "2", "-t", prefix + "/+/reading", "-C", "3", "-W", "30"]);
        await Eventually.TrueAsync(() => subscriber.StdOut.Contains("received SUBACK", StringComparison.Ordinal), "mosquitto_sub subscribed");

        var published = new List<ProcessResult>();
        foreach (string sensor in new[] { "s1", "s2", "s3" })
        {
            published.Add(await ExternalProcess.RunAsync("mosquitto_pub",
                [.. Common(version, "mpub-" + version + sensor), "-d", "-q", "2", "-t", $"{prefix}/{sensor}/reading", "-m", $"value of {sensor}"]));
        }
        foreach (var pub in published)
        {
            Assert.True(pub.ExitCode == 0, pub.Describe());
            foreach (string step in new[] { "sending PUBLISH (d0, q2", "received PUBREC", "sending PUBREL", "received PUBCOMP" })
                Assert.True(pub.StdOut.Contains(step, StringComparison.Ordinal), $"publisher did not show '{step}':\n{pub.Describe()}");
        }

        Assert.True(await subscriber.WaitForExitAsync(TimeSpan.FromSeconds(30)), "mosquitto_sub did not get 3 messages:\n" + subscriber.StdOut);
        string output = subscriber.StdOut;
        foreach (string sensor in new[] { "s1", "s2", "s3" })
            Assert.Contains($"{prefix}/{sensor}/reading value of {sensor}", output, StringComparison.Ordinal);
        foreach (string step in new[] { "received PUBLISH (d0, q2", "sending PUBREC", "received PUBREL", "sending PUBCOMP" })
            Assert.True(output.Contains(step, StringComparison.Ordinal), $"subscriber did not show '{step}':\n{output}");
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task A_retained_message_reaches_a_later_subscriber_and_an_empty_one_clears_it(string version)
    {
        string topic = $"mosq-retained/{version}/config";
        var set = await ExternalProcess.RunAsync("mosquitto_pub", [.. Common(version, "mret-" + version), "-q", "1", "-r", "-t", topic, "-m", "threshold=7"]);
        Assert.True(set.ExitCode == 0, set.Describe());

        var later = await ExternalProcess.RunAsync("mosquitto_sub",
            [.. Common(version, "mret-sub-" + version), "-v", "-d", "-t", $"mosq-retained/{version}/#", "-C", "1", "-W", "10"]);
        Assert.True(later.ExitCode == 0, later.Describe());
        Assert.Contains($"{topic} threshold=7", later.StdOut, StringComparison.Ordinal);
        // The retain flag is set on the copy sent at subscribe time.
        Assert.Contains(", r1,", later.StdOut, StringComparison.Ordinal);

        var clear = await ExternalProcess.RunAsync("mosquitto_pub", [.. Common(version, "mret-" + version), "-q", "1", "-r", "-t", topic, "-n"]);
        Assert.True(clear.ExitCode == 0, clear.Describe());
        // -W 2: nothing retained is left, so mosquitto_sub times out (exit code 27) having printed no message.
        var after = await ExternalProcess.RunAsync("mosquitto_sub",
            [.. Common(version, "mret-sub2-" + version), "-v", "-t", $"mosq-retained/{version}/#", "-C", "1", "-W", "2"]);
        Assert.DoesNotContain("threshold", after.StdOut, StringComparison.Ordinal);
        Assert.NotEqual(0, after.ExitCode);
    }
}
