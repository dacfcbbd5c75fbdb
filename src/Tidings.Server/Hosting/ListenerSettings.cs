using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Tidings.Server.Hosting;

/// <summary>A listener's protocol settings class and how to register it; make one with <see cref="For{TOptions}"/>.</summary>
/// <param name="Type">The settings class, e.g. AmqpOptions.</param>
/// <param name="Register">Registers IOptions of <paramref name="Type"/> bound from the listener's section.</param>
internal sealed record ListenerSettings(Type Type, Action<IServiceCollection, IConfigurationSection> Register)
{
    public static ListenerSettings For<TOptions>()
        where TOptions : class =>
        new(typeof(TOptions), (services, section) => services.Configure<TOptions>(section));
}
