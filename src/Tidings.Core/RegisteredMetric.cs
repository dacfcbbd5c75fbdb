namespace Tidings.Core;

/// <summary>What a metrics exporter needs of one metric an adapter registered in <see cref="MetricRegistry"/>.</summary>
/// <param name="Name">The Prometheus family name, e.g. <c>tidings_mqtt_retained_messages</c>.</param>
/// <param name="Type"><c>"counter"</c> or <c>"gauge"</c>.</param>
/// <param name="Help">One line saying what it counts.</param>
/// <param name="Read">Reads the current value; called on the scraping thread, so it must be cheap and thread-safe.</param>
public sealed record RegisteredMetric(string Name, string Type, string Help, Func<long> Read);
