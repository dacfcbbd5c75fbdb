using System.Text;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt.Tests.Retained;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class TestClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A temporary folder, deleted at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tidings-retained-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class Retain
{
    public static RetainedMessage Text(string topic, string payload, TimeProvider? clock = null, MqttQos qos = MqttQos.AtLeastOnce) =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos, (clock ?? TimeProvider.System).GetUtcNow());

    public static string PayloadText(this RetainedMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    public static List<string> Topics(this RetainedStore store, string filter) =>
        store.Match(filter).Select(m => m.Topic).Order(StringComparer.Ordinal).ToList();

    public static async Task<RetainResult> Set(this RetainedStore store, string topic, string payload, TimeProvider? clock = null) =>
        await store.SetAsync(Text(topic, payload, clock));
}
