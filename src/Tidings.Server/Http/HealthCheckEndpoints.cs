using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Tidings.Server.Http;

/// <summary>RabbitMQ management API health checks, same paths and bodies so existing probes work unchanged.</summary>
internal static class HealthCheckEndpoints
{
    public static IEndpointRouteBuilder MapHealthCheckEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The node answers, so it is up; checks of alarms and listeners come with those features.
        endpoints.MapGet("/api/healthchecks/node", Ok<HealthCheckResponse> () => TypedResults.Ok(HealthCheckResponse.Healthy));
        return endpoints;
    }
}

/// <summary>Body of a health check, as RabbitMQ writes it: {"status":"ok"}.</summary>
internal sealed record HealthCheckResponse(string Status)
{
    public static HealthCheckResponse Healthy { get; } = new("ok");
}
