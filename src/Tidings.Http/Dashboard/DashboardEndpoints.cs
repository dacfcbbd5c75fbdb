using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Tidings.Http.Dashboard;

/// <summary>
/// Serves the web dashboard: index.html at "/" (and "/index.html"), its assets under
/// "/dashboard/{version}/{path}". The files are embedded in the assembly and kept in memory
/// (<see cref="DashboardAssets"/>). Everything the page shows comes from the management API at
/// /api/, which does its own authentication: the static files are public, as RabbitMQ's are.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Revalidate every time (ETag makes that a 304): the page names the current asset version.</summary>
    private const string IndexCaching = "no-cache";

    /// <summary>A versioned asset never changes under its URL.</summary>
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    // The page loads nothing but its own files and talks to nothing but its own origin; no inline
    // script or style, so injected markup could not run even if some text ever became HTML.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    // The embedded files never change while the process runs: read and compress them once, however
    // many hosts (tests start dozens) map the dashboard.
    private static readonly Lazy<DashboardAssets> _assets = new(() => DashboardAssets.Load(typeof(DashboardEndpoints).Assembly));

    public static void Map(WebApplication app)
    {
        var assets = _assets.Value;
        IEndpointRouteBuilder endpoints = app;
        endpoints.MapMethods("/", GetAndHead, context => ServeIndex(context, assets));
        endpoints.MapMethods("/index.html", GetAndHead, context => ServeIndex(context, assets));
        endpoints.MapMethods($"/{DashboardAssets.AssetsFolder}/{{version}}/{{**path}}", GetAndHead, context =>
        {
            string? path = context.Request.RouteValues["path"] as string;
            if (path is null || !assets.Files.TryGetValue(path, out var asset))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            // A page loaded before an upgrade asks for the old version: give it the current file,
            // but do not let anyone cache that under the old URL.
            bool current = string.Equals(context.Request.RouteValues["version"] as string, assets.Version, StringComparison.Ordinal);
            return ServeAsync(context, asset, current ? ImmutableCaching : IndexCaching);
        });
    }

    private static Task ServeIndex(HttpContext context, DashboardAssets assets)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return ServeAsync(context, assets.Index, IndexCaching);
    }

    private static Task ServeAsync(HttpContext context, DashboardAsset asset, string cacheControl)
    {
        var (body, encoding) = ChooseEncoding(context.Request, asset);
        var response = context.Response;
        var headers = response.Headers;
        string etag = encoding is null ? $"\"{asset.Hash}\"" : $"\"{asset.Hash}-{encoding}\"";
        headers.ETag = etag;
        headers.CacheControl = cacheControl;
        headers.XContentTypeOptions = "nosniff";
        if (asset.HasEncodings) headers.Vary = HeaderNames.AcceptEncoding;
        if (IsNotModified(context.Request, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        if (encoding is not null) headers.ContentEncoding = encoding;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>Brotli, else gzip, else identity, as the client accepts (a q=0 refuses).</summary>
    private static (byte[] Body, string? Encoding) ChooseEncoding(HttpRequest request, DashboardAsset asset)
    {
        if (!asset.HasEncodings) return (asset.Content, null);
        bool br = false, gzip = false;
        foreach (var value in request.Headers.AcceptEncoding)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                bool refused = pieces.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
                if (refused) continue;
                if (pieces[0].Equals("br", StringComparison.OrdinalIgnoreCase)) br = true;
                else if (pieces[0].Equals("gzip", StringComparison.OrdinalIgnoreCase)) gzip = true;
            }
        }
        if (br && asset.Brotli is not null) return (asset.Brotli, "br");
        if (gzip && asset.Gzip is not null) return (asset.Gzip, "gzip");
        return (asset.Content, null);
    }

    private static bool IsNotModified(HttpRequest request, string etag)
    {
        StringValues ifNoneMatch = request.Headers.IfNoneMatch;
        foreach (var value in ifNoneMatch)
        {
            foreach (var tag in (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            {
                // Weak comparison, as RFC 9110 asks for If-None-Match.
                string candidate = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
                if (candidate == "*" || candidate == etag) return true;
            }
        }
        return false;
    }
}
