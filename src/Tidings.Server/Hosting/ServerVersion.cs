using System.Reflection;

namespace Tidings.Server.Hosting;

/// <summary>Version of the executable, from its informational version (which carries the commit when built from git).</summary>
internal static class ServerVersion
{
    public static string Current { get; } =
        typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ServerVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
