using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Http.Common;

namespace Tidings.Http;

/// <summary>
/// The HTTP face of the broker on one port: RabbitMQ-compatible management API, web dashboard,
/// REST messaging (JSON, SSE, WebSocket) and Prometheus metrics. The host calls
/// <see cref="AddTidingsHttp"/> and <see cref="MapTidingsHttp"/>; each area maps its own routes.
/// </summary>
public static class TidingsHttp
{
    /// <summary>Registers the services the endpoints share (the statistics sampler, the cross-site check).</summary>
    public static IServiceCollection AddTidingsHttp(this IServiceCollection services)
    {
        services.AddOptions<HttpOptions>();
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        services.AddSingleton<CrossSiteRequests>();
        services.AddSingleton<LastResortErrors>();
        return services;
    }

    /// <summary>Maps every HTTP endpoint of Tidings.</summary>
    public static WebApplication MapTidingsHttp(this WebApplication app)
    {
        var lastResort = app.Services.GetRequiredService<LastResortErrors>();
        var crossSite = app.Services.GetRequiredService<CrossSiteRequests>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrossSiteRequests));
        app.Use(lastResort.InvokeAsync);
        // Before any endpoint, and before authentication: a forged request learns nothing, not even whether the password it carried works.
        app.Use((context, next) =>
        {
            if (CrossSiteRequests.IsStateChanging(context.Request.Method) && crossSite.Refusal(context.Request) is { } reason)
            {
                HttpLog.CrossSiteRefused(logger, context.Request.Method, context.Request.Path.Value ?? "",
                    context.Connection.RemoteIpAddress?.ToString(), reason);
                return CrossSiteRequests.Refused(reason).ExecuteAsync(context);
            }
            return next(context);
        });
        app.UseWebSockets();
        IEndpointRouteBuilder endpoints = app;
        Management.ManagementEndpoints.Map(endpoints);
        Messaging.MessagingEndpoints.Map(endpoints);
        Metrics.MetricsEndpoints.Map(endpoints);
        Dashboard.DashboardEndpoints.Map(app);
        return app;
    }
}
