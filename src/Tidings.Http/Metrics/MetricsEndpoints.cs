using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tidings.Core;

namespace Tidings.Http.Metrics;

/// <summary>Routes of the Metrics area: GET /metrics in Prometheus's text format.</summary>
internal static class MetricsEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // Unauthenticated, like RabbitMQ's Prometheus endpoint: scrapers rarely carry credentials,
        // and the HTTP listener binds to loopback unless the operator opens it.
        endpoints.MapGet("/metrics", WriteMetricsAsync);
    }

    private static Task WriteMetricsAsync(HttpContext context, Broker broker)
    {
        context.Response.ContentType = PrometheusTextWriter.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        return BrokerMetrics.WriteAsync(broker, new PrometheusTextWriter(context.Response.BodyWriter), context.RequestAborted);
    }
}
