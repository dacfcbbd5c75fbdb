using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Connections.Listeners;

namespace Tidings.Http.Management;

/// <summary>A port the node listens on, as /api/overview lists it.</summary>
/// <param name="Protocol">RabbitMQ's name for it: "amqp", "amqp/ssl", "http", "https", "mqtt", ...</param>
/// <param name="Address">The bound IP address ("127.0.0.1", "::").</param>
/// <param name="Port">The bound port.</param>
internal sealed record ListenerInfo(string Protocol, string Address, int Port);

/// <summary>
/// The node's listeners, read from the host's <see cref="ListenerRegistry"/>, where each listener
/// says which protocol it serves and whether it is TLS. A host that registered none is described
/// by the one listener known for sure: the one this request came in on.
/// </summary>
internal static class Listeners
{
    public static IReadOnlyList<ListenerInfo> Of(HttpContext context)
    {
        var result = new List<ListenerInfo>();
        if (context.RequestServices.GetService<ListenerRegistry>() is { } registry)
        {
            foreach (var listener in registry.Bound())
            {
                var address = listener.EndPoint.Address.IsIPv4MappedToIPv6 ? listener.EndPoint.Address.MapToIPv4() : listener.EndPoint.Address;
                result.Add(new ListenerInfo(listener.ManagementName, address.ToString(), listener.EndPoint.Port));
            }
        }
        string self = context.Request.IsHttps ? "https" : "http";
        if (!result.Exists(l => l.Protocol == self && l.Port == context.Connection.LocalPort) && context.Connection.LocalIpAddress is { } local)
            result.Add(new ListenerInfo(self, local.ToString(), context.Connection.LocalPort));
        return [.. result.OrderBy(l => l.Protocol, StringComparer.Ordinal).ThenBy(l => l.Port)];
    }
}
