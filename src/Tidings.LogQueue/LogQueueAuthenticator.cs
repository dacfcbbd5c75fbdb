using System.Net;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Security;

namespace Tidings.LogQueue;

/// <summary>
/// Who a request acts as: HTTP Basic credentials are checked against the broker's users as on
/// the management API (loopback-only users from loopback only, the login throttle applies);
/// a request without credentials acts as <see cref="LogQueueOptions.DefaultUser"/>, and only
/// from loopback, since course clients send none and that user is guest by default.
/// </summary>
internal static class LogQueueAuthenticator
{
    /// <summary>The user, or null with the failure to answer.</summary>
    public static User? Authenticate(HttpContext http, LogQueueService service, out LogQueueReply failure)
    {
        failure = default;
        var remote = http.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, http.Connection.RemotePort) : null;
        string? header = http.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            string name = service.Options.DefaultUser;
            if (name.Length > 0 && Broker.IsLoopback(remote) && service.Broker.FindUser(name) is { } user) return user;
            failure = LogQueueReply.Failure(401, "credentials required: send HTTP Basic credentials (requests without them are accepted from loopback only)");
            return null;
        }
        if (!BasicCredentials.IsBasic(header))
        {
            failure = LogQueueReply.Failure(401, "only HTTP Basic credentials are accepted");
            return null;
        }
        if (!BasicCredentials.TryParse(header, out string login, out string password))
        {
            failure = LogQueueReply.Failure(401, "malformed Authorization header");
            return null;
        }
        var authenticated = service.Broker.Authenticate(login, password, remote, out var reason);
        if (authenticated is not null) return authenticated;
        failure = reason switch
        {
            AuthenticationFailure.Throttled => LogQueueReply.Failure(429, "too many failed login attempts from this address or for this user; retry later"),
            AuthenticationFailure.LoopbackOnly => LogQueueReply.Failure(401, "user can only log in via localhost"),
            _ => LogQueueReply.Failure(401, "login failed"),
        };
        return null;
    }
}
