namespace Tidings.Examples.HiveSensors;

/// <summary>
/// Where everything is published. MQTT topics go through the broker's <c>amq.topic</c> exchange
/// with <c>/</c> mapped to <c>.</c>, so the AMQP service binds to the same names with dots.
/// </summary>
public static class HiveTopics
{
    /// <summary>A sensor's people-count reports (16 bytes).</summary>
    public static string Reports(string hive, string sensor) => $"hives/{hive}/sensors/{sensor}";

    /// <summary>A sensor's status messages (20 bytes).</summary>
    public static string Status(string hive, string sensor) => $"hives/{hive}/sensors/{sensor}/status";

    /// <summary>A sensor's configuration, retained (12 bytes).</summary>
    public static string Commands(string sensor) => $"commands/sensor/{sensor}";

    /// <summary>Occupancy alerts of a hive (JSON), for MQTT dashboards as much as AMQP services.</summary>
    public static string Alerts(string hive) => $"alerts/hive/{hive}";

    /// <summary>The AMQP exchange MQTT publishes route through.</summary>
    public const string Exchange = "amq.topic";

    /// <summary>AMQP binding keys for every sensor's reports and status messages.</summary>
    public const string AllReportsKey = "hives.*.sensors.*";
    public const string AllStatusKey = "hives.*.sensors.*.status";

    /// <summary>The AMQP routing key of an alert (the MQTT topic with dots).</summary>
    public static string AlertKey(string hive) => $"alerts.hive.{hive}";
}
