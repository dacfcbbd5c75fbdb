using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Tidings.Connections.Heartbeats;
using Tidings.Connections.Listeners;
using Tidings.Core;

namespace Tidings.Connections;

/// <summary>Registers what the listeners of one host share: one <see cref="ConnectionHeartbeat"/> and the <see cref="ListenerRegistry"/>.</summary>
public static class ConnectionsServices
{
    /// <summary>
    /// Adds the shared heartbeat (on the registered <see cref="Broker"/>'s clock and fault log,
    /// stopped with the host) and the listener registry.
    /// </summary>
    public static IServiceCollection AddTidingsConnections(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var heartbeat = new ConnectionHeartbeat(sp.GetRequiredService<Broker>());
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(heartbeat.Dispose);
            return heartbeat;
        });
        // A host that registered its own instance (to fill it while configuring Kestrel) keeps it.
        services.TryAddSingleton<ListenerRegistry>();
        return services;
    }
}
