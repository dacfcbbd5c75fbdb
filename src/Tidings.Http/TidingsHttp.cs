using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Http.Common;

namespace Tidings.Http;

/// <summary>
/// The HTTP face of the broker on one port: RabbitMQ-compatible management API, web dashboard,
/// REST messaging (JSON, SSE, WebSocket) and Prometheus metrics. The host calls
/// <see cref="AddTidingsHttp"/> and <see cref="MapTidingsHttp"/>; each area maps its own routes.
/// </summary>
public static class TidingsHttp
{
    /// <summary>Registers the services the endpoints share (the statistics sampler).</summary>
    public static IServiceCollection AddTidingsHttp(this IServiceCollection services)
    {
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        return services;
    }

    /// <summary>Maps every HTTP endpoint of Tidings.</summary>
    public static WebApplication MapTidingsHttp(this WebApplication app)
    {
        app.UseWebSockets();
        IEndpointRouteBuilder endpoints = app;
        Management.ManagementEndpoints.Map(endpoints);
        Messaging.MessagingEndpoints.Map(endpoints);
        Metrics.MetricsEndpoints.Map(endpoints);
        Dashboard.DashboardEndpoints.Map(app);
        return app;
    }
}
