using Microsoft.Extensions.DependencyInjection;

namespace Tidings.Sqs;

/// <summary>Registration of the SQS API's services.</summary>
public static class SqsServices
{
    /// <summary>Adds the per-broker SQS state and authenticator (the broker itself must be registered).</summary>
    public static IServiceCollection AddTidingsSqs(this IServiceCollection services)
    {
        services.AddSingleton<SqsService>();
        services.AddSingleton<SqsAuthenticator>();
        return services;
    }
}
