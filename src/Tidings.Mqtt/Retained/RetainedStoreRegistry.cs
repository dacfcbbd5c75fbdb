using System.Runtime.CompilerServices;
using Tidings.Core;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// The <see cref="RetainedStores"/> of one broker, shared by every MQTT listener (mqtt and mqtts)
/// and found through <see cref="For"/>. On disk under the broker's data directory when the broker
/// keeps persistent messages (or <see cref="MqttOptions.RetainedOnDisk"/> says so), else in memory.
/// </summary>
internal static class RetainedStoreRegistry
{
    /// <summary>One set per broker, without a DI registration every host would need.</summary>
    private static readonly ConditionalWeakTable<Broker, RetainedStores> Stores = [];

    public static RetainedStores For(Broker broker, MqttOptions options) =>
        Stores.GetValue(broker, b => new RetainedStores(
            options.RetainedOnDisk ?? b.MessageStore is not null ? b.Options.DataDirectory : null,
            new RetainedStoreOptions
            {
                MaxMessageBytes = options.RetainedMaxMessageBytes,
                MaxCount = options.RetainedMaxCount,
                MaxTotalBytes = options.RetainedMaxTotalBytes,
                TimeProvider = b.Time,
            }));

    /// <summary>The broker's stores if a connection has used them since start (or the last <see cref="Close"/>); metrics must not open them.</summary>
    public static RetainedStores? Find(Broker broker) => Stores.TryGetValue(broker, out var stores) ? stores : null;

    /// <summary>Flushes and closes the broker's stores (host stop), so a restarted broker can open their logs.</summary>
    public static void Close(Broker broker)
    {
        if (Stores.TryGetValue(broker, out var stores))
        {
            Stores.Remove(broker);
            stores.Dispose();
        }
    }
}
