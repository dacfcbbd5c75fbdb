namespace Tidings.Http;

/// <summary>Settings of the Prometheus endpoints, bound from Tidings:Http:Metrics.</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Whether GET /metrics lists every virtual host and queue by name (as /metrics/per-object
    /// always does). False, RabbitMQ's default (prometheus.return_per_object_metrics): /metrics
    /// reports totals over all queues and vhosts, without names.
    /// </summary>
    public bool PerObject { get; set; }

    /// <summary>
    /// Whether /metrics and /metrics/per-object require HTTP Basic credentials of a user tagged
    /// monitoring or administrator (RabbitMQ's prometheus.authentication.enabled). False, as in
    /// RabbitMQ: scrapers are often configured without credentials.
    /// </summary>
    public bool RequireAuthentication { get; set; }
}
