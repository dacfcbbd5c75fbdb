using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Metrics;

/// <summary>
/// Routes of the Metrics area, in Prometheus's text format: GET /metrics (totals, or per object
/// with Tidings:Http:Metrics:PerObject) and GET /metrics/per-object (always per object), the
/// paths of RabbitMQ's Prometheus plugin.
/// </summary>
internal static class MetricsEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metrics", (HttpContext context, Broker broker, IOptions<HttpOptions> options) =>
            WriteMetricsAsync(context, broker, options.Value.Metrics, options.Value.Metrics.PerObject));
        endpoints.MapGet("/metrics/per-object", (HttpContext context, Broker broker, IOptions<HttpOptions> options) =>
            WriteMetricsAsync(context, broker, options.Value.Metrics, perObject: true));
    }

    private static Task WriteMetricsAsync(HttpContext context, Broker broker, MetricsOptions options, bool perObject)
    {
        // Unauthenticated by default, like RabbitMQ's plugin: scrapers are often set up without
        // credentials, and the HTTP listener binds to loopback unless the operator opens it.
        if (options.RequireAuthentication && Refusal(context, broker) is { } refused) return refused.ExecuteAsync(context);
        context.Response.ContentType = PrometheusTextWriter.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        return BrokerMetrics.WriteAsync(broker, new PrometheusTextWriter(context.Response.BodyWriter), perObject, context.RequestAborted);
    }

    /// <summary>
    /// RabbitMQ's rule for the metrics endpoints (is_authorized_monitor): a user tagged monitoring
    /// or administrator. Basic authentication applies the login throttle, so a scraper with a wrong
    /// password is slowed down like any other client.
    /// </summary>
    private static IResult? Refusal(HttpContext context, Broker broker)
    {
        var (user, error) = BasicAuthentication.Authenticate(context, broker);
        if (error is not null) return error;
        if (!BasicAuthentication.IsManagementUser(user!)) return HttpErrors.Unauthorized("Not management user");
        return BasicAuthentication.IsMonitor(user!) ? null : HttpErrors.Forbidden("Not monitor user");
    }
}
