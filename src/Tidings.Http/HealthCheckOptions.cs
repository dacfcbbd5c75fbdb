namespace Tidings.Http;

/// <summary>Settings of the health-check routes, bound from Tidings:Http:HealthChecks.</summary>
public sealed class HealthCheckOptions
{
    /// <summary>
    /// Whether /api/health/checks/* and /api/healthchecks/node require HTTP Basic credentials of a
    /// user with a management tag, as RabbitMQ's management API does. True by default; false lets a
    /// probe that cannot send credentials (a load balancer) check the node.
    /// </summary>
    public bool RequireAuthentication { get; set; } = true;
}
