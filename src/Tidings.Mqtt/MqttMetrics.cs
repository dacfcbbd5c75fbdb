using Tidings.Core;
using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt;

/// <summary>
/// The MQTT adapter's metrics, added to the broker's <see cref="MetricRegistry"/> when a listener
/// starts (so they read 0 before the first client), which the metrics endpoint exports with the
/// broker's own. Detached persistent sessions are a core family (<c>tidings_detached_sessions</c>).
/// </summary>
internal static class MqttMetrics
{
    public const string RetainedMessages = "tidings_mqtt_retained_messages";
    public const string RetainedBytes = "tidings_mqtt_retained_bytes";
    public const string DroppedOversize = "tidings_mqtt_deliveries_dropped_oversize_total";

    /// <summary>Registers the gauges and the counter; again for another listener of the same broker changes nothing.</summary>
    public static void Register(Broker broker)
    {
        // Read through the registry at each scrape: the stores are created by the first client and
        // closed at host stop, and a scrape must not open (replay) them.
        broker.Metrics.Gauge(RetainedMessages, "Retained messages stored, over every virtual host whose store is open.",
            () => RetainedStoreRegistry.Find(broker)?.Count ?? 0);
        broker.Metrics.Gauge(RetainedBytes, "Bytes of the retained messages (payload, topic and properties) in the open stores, what Tidings:Mqtt:RetainedMaxTotalBytes limits.",
            () => RetainedStoreRegistry.Find(broker)?.TotalBytes ?? 0);
        DroppedOversizeCounter(broker);
    }

    /// <summary>
    /// Deliveries not sent because the PUBLISH would exceed the 5.0 client's Maximum Packet Size
    /// (acknowledged and dropped, as MQTT-3.1.2-25 asks).
    /// </summary>
    public static MetricCounter DroppedOversizeCounter(Broker broker) => broker.Metrics.Counter(DroppedOversize,
        "Deliveries dropped because the PUBLISH would exceed the MQTT 5.0 client's Maximum Packet Size.");
}
