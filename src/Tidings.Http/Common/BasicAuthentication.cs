using System.Net;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Security;

namespace Tidings.Http.Common;

/// <summary>
/// HTTP Basic authentication against the broker's users, with RabbitMQ's rules: the loopback-only
/// users (guest) are refused from other addresses; no credentials → 401 with a Basic challenge.
/// After too many failures (<see cref="Broker.Logins"/>) the answer is 429 with Retry-After.
/// </summary>
public static class BasicAuthentication
{
    /// <summary>The realm RabbitMQ's management plugin announces.</summary>
    public const string Realm = "RabbitMQ Management";

    /// <summary>The authenticated user, or an error result to return (401, or 429 when throttled).</summary>
    public static (User? User, IResult? Error) Authenticate(HttpContext context, Broker broker)
    {
        string? header = context.Request.Headers.Authorization;
        if (!BasicCredentials.IsBasic(header))
        {
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
            return (null, HttpErrors.Unauthorized("Not authorized"));
        }
        if (!BasicCredentials.TryParse(header, out string name, out string password))
            return (null, HttpErrors.Unauthorized("Malformed Authorization header"));
        var remote = context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort) : null;
        var user = broker.Authenticate(name, password, remote, out var failure);
        if (user is null && failure == AuthenticationFailure.Throttled)
        {
            var wait = broker.Logins.RetryAfter(name, remote);
            long seconds = Math.Clamp((long)Math.Ceiling(wait.TotalSeconds), 1, 3600);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (null, HttpErrors.TooManyRequests($"too many failed login attempts from this address or for this user; retry in {seconds} s"));
        }
        if (user is null)
        {
            string reason = failure == AuthenticationFailure.LoopbackOnly
                ? "User can only log in via localhost"
                : "Login failed";
            return (null, HttpErrors.Unauthorized(reason));
        }
        return (user, null);
    }

    /// <summary>True when the user has the tag (administrator, management, monitoring…).</summary>
    public static bool HasTag(User user, string tag) => user.Tags.Contains(tag, StringComparer.Ordinal);

    /// <summary>RabbitMQ's is_mgmt_user: any tag that opens the HTTP API (management, policymaker, monitoring, administrator).</summary>
    public static bool IsManagementUser(User user) =>
        IsMonitor(user) || HasTag(user, "management") || HasTag(user, "policymaker");

    /// <summary>RabbitMQ's is_monitor: monitoring or administrator, who may see every object of every vhost.</summary>
    public static bool IsMonitor(User user) => HasTag(user, "administrator") || HasTag(user, "monitoring");
}
