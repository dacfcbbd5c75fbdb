using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>RabbitMQ's health checks: same paths and bodies so existing probes work unchanged.</summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // The node answers, so it is up. Unauthenticated, as load balancers probe it.
        endpoints.MapGet("/api/healthchecks/node", () => Results.Json(new Dictionary<string, string> { ["status"] = "ok" }, HttpJson.Options));
        endpoints.MapGet("/api/health/checks/alarms", (Broker broker) => broker.Alarms.IsBlocked
            ? Results.Json(new Dictionary<string, object> { ["status"] = "failed", ["reason"] = "resource alarm(s) in effect: " + broker.Alarms.Reason }, HttpJson.Options, statusCode: 503)
            : Results.Json(new Dictionary<string, string> { ["status"] = "ok" }, HttpJson.Options));
    }
}
