using Tidings.Connections.Tls;
using Tidings.Core;

namespace Tidings.Server.Hosting;

/// <summary>
/// Settings of the <c>tidings serve</c> host, bound from the "Tidings" configuration section.
/// The property initializers are the built-in defaults, so the server runs without any file.
/// The broker's own settings (<see cref="BrokerOptions"/>) are bound from the same section.
/// </summary>
public sealed class TidingsServerOptions
{
    /// <summary>Configuration section holding these settings and the broker's.</summary>
    public const string SectionName = "Tidings";

    /// <summary>Directory for durable state, relative to the current directory; created at start.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Name of this node, shown to clients and in logs.</summary>
    public string NodeName { get; set; } = "tidings@localhost";

    /// <summary>Where the AMQP 0-9-1 listener binds.</summary>
    public EndpointOptions Amqp { get; set; } = new() { Host = "127.0.0.1", Port = 5672 };

    /// <summary>Where the AMQP-over-TLS listener (amqps) binds; off by default.</summary>
    public EndpointOptions Amqps { get; set; } = new() { Enabled = false, Host = "127.0.0.1", Port = 5671, Tls = true };

    /// <summary>Where the MQTT 3.1/3.1.1/5.0 listener binds.</summary>
    public EndpointOptions Mqtt { get; set; } = new() { Host = "127.0.0.1", Port = 1883 };

    /// <summary>Where the MQTT-over-TLS listener (mqtts) binds; off by default.</summary>
    public EndpointOptions Mqtts { get; set; } = new() { Enabled = false, Host = "127.0.0.1", Port = 8883, Tls = true };

    /// <summary>Where the HTTP API binds.</summary>
    public EndpointOptions Http { get; set; } = new() { Host = "127.0.0.1", Port = 15672 };

    /// <summary>Where the SQS API (AWS JSON and Query protocols) binds.</summary>
    public EndpointOptions Sqs { get; set; } = new() { Host = "127.0.0.1", Port = 9324 };

    /// <summary>Where the logging-queue API's own listener binds (it serves the API at the root); off by default.</summary>
    public EndpointOptions LogQueue { get; set; } = new() { Enabled = false, Host = "127.0.0.1", Port = 5050 };

    /// <summary>The certificate and key (PEM files) every listener with Tls on presents.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Console logging.</summary>
    public LogOptions Log { get; set; } = new();

    /// <summary>How long in-flight work may run after Ctrl+C or SIGTERM before it is cut off.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 10;

    /// <summary>Describes every invalid value, with its configuration key; empty when all are valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return $"{SectionName}:{nameof(DataDirectory)} must not be empty";
        }
        if (string.IsNullOrWhiteSpace(NodeName))
        {
            yield return $"{SectionName}:{nameof(NodeName)} must not be empty";
        }
        foreach (var problem in Amqp.Validate($"{SectionName}:{nameof(Amqp)}"))
        {
            yield return problem;
        }
        foreach (var problem in Amqps.Validate($"{SectionName}:{nameof(Amqps)}"))
        {
            yield return problem;
        }
        foreach (var problem in Mqtt.Validate($"{SectionName}:{nameof(Mqtt)}"))
        {
            yield return problem;
        }
        foreach (var problem in Mqtts.Validate($"{SectionName}:{nameof(Mqtts)}"))
        {
            yield return problem;
        }
        foreach (var problem in Http.Validate($"{SectionName}:{nameof(Http)}"))
        {
            yield return problem;
        }
        foreach (var problem in Sqs.Validate($"{SectionName}:{nameof(Sqs)}"))
        {
            yield return problem;
        }
        foreach (var problem in LogQueue.Validate($"{SectionName}:{nameof(LogQueue)}"))
        {
            yield return problem;
        }
        foreach (var problem in Log.Validate($"{SectionName}:{nameof(Log)}"))
        {
            yield return problem;
        }
        if (ShutdownTimeoutSeconds < 0)
        {
            yield return $"{SectionName}:{nameof(ShutdownTimeoutSeconds)} must not be negative (got {ShutdownTimeoutSeconds})";
        }
    }
}
