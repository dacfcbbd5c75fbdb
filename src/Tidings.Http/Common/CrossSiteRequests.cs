using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tidings.Http.Common;

/// <summary>
/// Refuses requests that a page of another site made a browser send. A browser attaches cached
/// Basic credentials to any page's requests, so without this a page an operator visits could
/// import definitions or delete queues (cross-site request forgery). Browsers name the page's
/// origin in Origin (always on POST, PUT, DELETE, PATCH); where a proxy strips it,
/// Sec-Fetch-Site still tells a cross-site request apart. Clients that are not browsers send
/// neither and pass.
/// </summary>
public sealed class CrossSiteRequests
{
    /// <summary>Allowed origins in the normalised form of <see cref="Normalize"/>.</summary>
    private readonly HashSet<string> _allowed;

    public CrossSiteRequests(IOptions<HttpOptions> options)
    {
        _allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (string origin in options.Value.AllowedOrigins)
            if (Normalize(origin) is { } normalized) _allowed.Add(normalized);
    }

    /// <summary>True for the methods that change state and so need the check.</summary>
    public static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method);

    /// <summary>
    /// Null when the request came from this origin, an allowed one or no browser page; otherwise why not.
    /// </summary>
    public string? Refusal(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            // "same-site" too: another port of localhost is the same site but another origin.
            string? site = request.Headers["Sec-Fetch-Site"];
            return site is "cross-site" or "same-site"
                ? $"{site} request without an Origin header refused"
                : null;
        }
        string? normalized = Normalize(origin);
        if (normalized is not null && (normalized == OwnOrigin(request) || _allowed.Contains(normalized))) return null;
        return $"cross-origin request from '{origin}' refused: serve the page from this host or add its origin to Tidings:Http:AllowedOrigins";
    }

    /// <summary>A 403 in RabbitMQ's error shape for a refused request.</summary>
    public static IResult Refused(string reason) => HttpErrors.Forbidden(reason);

    /// <summary>scheme://host:port of the Host header, as a browser would write this server's origin.</summary>
    private static string? OwnOrigin(HttpRequest request) =>
        request.Host.HasValue ? Normalize($"{request.Scheme}://{request.Host.Value}") : null;

    /// <summary>"HTTP://Example.com" → "http://example.com:80"; null for "null" and anything that is not an http(s) origin.</summary>
    internal static string? Normalize(string origin)
    {
        if (!Uri.TryCreate(origin.Trim().TrimEnd('/'), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;
        if (uri.PathAndQuery is not ("/" or "") || uri.UserInfo.Length > 0) return null;
        return $"{uri.Scheme}://{uri.IdnHost.ToLowerInvariant()}:{uri.Port}";
    }
}
