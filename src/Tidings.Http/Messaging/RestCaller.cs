using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Http.Common;

namespace Tidings.Http.Messaging;

/// <summary>
/// The authenticated user of a messaging request and the virtual host it addresses, checked
/// before any broker work so refusals come back as 401/403/404 with a JSON body.
/// </summary>
internal sealed record RestCaller(Broker Broker, User User, VirtualHost VirtualHost, EndPoint? RemoteEndPoint)
{
    /// <summary>The subprotocol a browser WebSocket offers next to its credentials, and the one the server selects.</summary>
    public const string SubProtocol = "tidings";

    /// <summary>
    /// A browser cannot set Authorization on a WebSocket, so it may offer the subprotocol
    /// "tidings.basic.&lt;base64url of user:password&gt;" instead (with "tidings", which the server selects).
    /// </summary>
    public const string CredentialsSubProtocolPrefix = "tidings.basic.";

    /// <summary>Authenticates the request and resolves the vhost in the route ("vhost").</summary>
    public static RestCaller Resolve(HttpContext context, Broker broker)
    {
        var user = Authenticate(context, broker);
        string name = RouteNames.Get(context, "vhost");
        var vhost = broker.FindVirtualHost(name) ?? throw RestException.NotFound($"no vhost '{name}'");
        if (user.PermissionsFor(name) is null)
            throw RestException.Forbidden($"access to vhost '{name}' refused for user '{user.Name}'");
        var remote = context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort) : null;
        return new RestCaller(broker, user, vhost, remote);
    }

    /// <summary>
    /// Basic authentication (<see cref="BasicAuthentication"/>), or the credentials subprotocol of a
    /// WebSocket handshake. A cross-origin browser request (<see cref="CrossSiteRequests"/>: not
    /// this origin nor an allowed one) is refused unless it carried its credentials explicitly in that subprotocol: a browser attaches cached Basic credentials to
    /// any page's requests, which would let another site publish or consume in the user's name.
    /// </summary>
    public static User Authenticate(HttpContext context, Broker broker)
    {
        bool explicitCredentials = TryUseSubProtocolCredentials(context);
        var (user, error) = BasicAuthentication.Authenticate(context, broker);
        if (user is null) throw new RestException(error!, "not authorised");
        // Every method, GET streams too: a stream hands out messages, which is not only reading.
        if (!explicitCredentials && context.RequestServices.GetRequiredService<CrossSiteRequests>().Refusal(context.Request) is { } reason)
            throw RestException.Forbidden($"{reason}; a WebSocket may instead pass the credentials in the '{CredentialsSubProtocolPrefix}…' subprotocol");
        return user;
    }

    /// <summary>
    /// Moves credentials from a "tidings.basic.…" subprotocol into the Authorization header, so the
    /// one Basic implementation applies its rules (loopback-only users included).
    /// </summary>
    private static bool TryUseSubProtocolCredentials(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) return false;
        foreach (string protocol in context.WebSockets.WebSocketRequestedProtocols)
        {
            if (!protocol.StartsWith(CredentialsSubProtocolPrefix, StringComparison.Ordinal)) continue;
            string base64 = protocol[CredentialsSubProtocolPrefix.Length..].Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            context.Request.Headers.Authorization = "Basic " + base64;
            return true;
        }
        return false;
    }

    /// <summary>The base64url form of user:password that <see cref="CredentialsSubProtocolPrefix"/> expects.</summary>
    public static string EncodeSubProtocolCredentials(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
