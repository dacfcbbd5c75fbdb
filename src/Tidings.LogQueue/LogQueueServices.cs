using Microsoft.Extensions.DependencyInjection;

namespace Tidings.LogQueue;

/// <summary>Registration of the logging-queue API's services.</summary>
public static class LogQueueServices
{
    /// <summary>Adds the per-broker logging-queue state (the broker itself must be registered).</summary>
    public static IServiceCollection AddTidingsLogQueue(this IServiceCollection services)
    {
        services.AddOptions<LogQueueOptions>();
        services.AddSingleton<LogQueueService>();
        return services;
    }
}
