using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tidings.Http.Messaging;

/// <summary>Names of vhosts, exchanges and queues as they appear in request paths.</summary>
internal static class RouteNames
{
    /// <summary>RabbitMQ's management API writes the nameless default exchange as "amq.default".</summary>
    public const string DefaultExchangeAlias = "amq.default";

    /// <summary>
    /// The route value <paramref name="key"/>. Kestrel decodes every escape in a path except %2F, so
    /// that an encoded slash does not split segments; names may hold "/" (the vhost "/" is written
    /// %2F, as in RabbitMQ's API), so it is decoded here.
    /// </summary>
    public static string Get(HttpContext context, string key) =>
        (context.GetRouteValue(key) as string ?? "").Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The exchange named in the path, "amq.default" meaning the default exchange "".</summary>
    public static string Exchange(HttpContext context, string key = "exchange")
    {
        string name = Get(context, key);
        return name == DefaultExchangeAlias ? "" : name;
    }
}
