using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop.ThirdParty;

/// <summary>
/// Runs one scenario of a third-party MQTT client script in tests/interop/mqtt (they print
/// "OK …" and exit 0, or "FAIL …" and exit 1).
/// </summary>
internal static class ThirdPartyScenario
{
    public static string MqttDirectory => Path.Combine(ExternalProcess.InteropDirectory, "mqtt");

    public static Task<ProcessResult> RunAsync(string fileName, params string[] arguments) =>
        ExternalProcess.RunAsync(fileName, arguments, MqttDirectory, timeout: TimeSpan.FromSeconds(90));
}
