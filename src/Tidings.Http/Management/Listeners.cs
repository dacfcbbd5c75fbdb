using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tidings.Http.Management;

/// <summary>A port the node listens on, as /api/overview lists it.</summary>
internal sealed record ListenerInfo(string Protocol, string Address, int Port);

/// <summary>
/// The node's listeners, read from the server's bound addresses. Kestrel does not say which
/// protocol an endpoint serves, so the endpoint this request came in on is "http" and every
/// other one is reported as "amqp" — true while HTTP and AMQP are the only listeners.
/// </summary>
internal static class Listeners
{
    public static IReadOnlyList<ListenerInfo> Of(HttpContext context)
    {
        int httpPort = context.Connection.LocalPort;
        var addresses = context.RequestServices.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var result = new List<ListenerInfo>();
        foreach (var address in addresses)
        {
            if (!Uri.TryCreate(address.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal)
                    .Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal), UriKind.Absolute, out var uri)) continue;
            string host = uri.Host.Trim('[', ']');
            if (host == "localhost") host = IPAddress.Loopback.ToString();
            result.Add(new ListenerInfo(uri.Port == httpPort ? "http" : "amqp", host, uri.Port));
        }
        if (!result.Exists(l => l.Protocol == "http") && context.Connection.LocalIpAddress is { } local)
            result.Add(new ListenerInfo("http", local.ToString(), httpPort));
        return [.. result.OrderBy(l => l.Protocol, StringComparer.Ordinal).ThenBy(l => l.Port)];
    }
}
