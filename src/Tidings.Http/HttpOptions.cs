namespace Tidings.Http;

/// <summary>Settings of the HTTP listener's endpoints, bound from Tidings:Http next to its Host and Port.</summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Origins ("https://ops.example.com", "http://localhost:3000") whose pages may send
    /// state-changing requests (POST, PUT, DELETE, PATCH) and open messaging streams. The broker's
    /// own origin is always allowed; requests without an Origin header (curl, SDKs, the CLI) are not
    /// affected. Empty by default: another site's page cannot act with an operator's cached credentials.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>What GET /metrics shows and who may read it.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Who may call the health checks.</summary>
    public HealthCheckOptions HealthChecks { get; set; } = new();
}
