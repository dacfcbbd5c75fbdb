using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop.ThirdParty;

/// <summary>
/// Runs one scenario of a third-party MQTT client script in tests/interop/mqtt (they print
/// "OK …" and exit 0, or "FAIL …" and exit 1) and fails the test with the script's own words.
/// </summary>
internal static class ThirdPartyScenario
{
    public static string MqttDirectory => Path.Combine(ExternalProcess.InteropDirectory, "mqtt");

    public static async Task AssertPassesAsync(string fileName, params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync(fileName, arguments, MqttDirectory, timeout: TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0 && result.StdOut.StartsWith("OK ", StringComparison.Ordinal), result.Describe());
    }
}
