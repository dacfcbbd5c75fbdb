using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// The RabbitMQ-compatible management API under /api/. One catch-all endpoint hands every
/// request to <see cref="ApiRouter"/>, which splits the raw path on '/' before decoding each
/// segment: that is how "%2F" can name the vhost "/" (ASP.NET routing decodes too early for it).
/// </summary>
internal static class ManagementEndpoints
{
    /// <summary>Largest JSON body accepted (RabbitMQ's max_http_body_size default, 10 MB).</summary>
    public const int MaxBodyBytes = 10_000_000;

    public static ApiRouter Router { get; } = BuildRouter();

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/api/{**path}", HandleAsync);
    }

    private static ApiRouter BuildRouter()
    {
        var router = new ApiRouter();
        HealthEndpoints.Register(router);
        OverviewEndpoints.Register(router);
        VhostEndpoints.Register(router);
        UserEndpoints.Register(router);
        QueueEndpoints.Register(router);
        StreamEndpoints.Register(router);
        ExchangeEndpoints.Register(router);
        BindingEndpoints.Register(router);
        ConnectionEndpoints.Register(router);
        DefinitionEndpoints.Register(router);
        OpenApiDocument.Register(router);
        return router;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var result = await DispatchAsync(context).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-cache";
        await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static async Task<IResult> DispatchAsync(HttpContext context)
    {
        string[]? segments;
        try
        {
            segments = PathSegments(context);
        }
        catch (ApiError e)
        {
            return e.Result;
        }
        if (segments is null) return HttpErrors.NotFound();
        string method = context.Request.Method;
        if (HttpMethods.IsHead(method)) method = HttpMethods.Get;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var (route, pathKnown) = Router.Match(method, segments, values);
        if (route is null)
        {
            return pathKnown
                ? HttpErrors.Error(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method Not Allowed")
                : HttpErrors.NotFound();
        }

        var broker = context.RequestServices.GetRequiredService<Broker>();
        var sampler = context.RequestServices.GetRequiredService<StatsSampler>();
        Core.Security.User? user = null;
        var access = route.Access;
        if (access == Access.HealthCheck)
        {
            access = context.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.HealthChecks.RequireAuthentication
                ? Access.Management
                : Access.Public;
        }
        if (access != Access.Public)
        {
            var (authenticated, error) = BasicAuthentication.Authenticate(context, broker);
            if (error is not null) return error;
            user = authenticated!;
            if (Refusal(access, user) is { } refused) return refused;
        }

        JsonElement? body;
        try
        {
            body = await ReadBodyAsync(context).ConfigureAwait(false);
        }
        catch (ApiError e)
        {
            return e.Result;
        }

        var request = new ApiRequest(context, broker, sampler, user, values, body);
        try
        {
            return route.Handler(request);
        }
        catch (ApiError e)
        {
            return e.Result;
        }
        catch (BrokerException e)
        {
            return e.Error == BrokerError.NotAllowed
                ? HttpErrors.Forbidden(e.Message)
                : HttpErrors.FromBroker(e);
        }
    }

    /// <summary>RabbitMQ's tag rules: any management tag to use the API; monitoring or administrator for some routes.</summary>
    private static IResult? Refusal(Access access, Core.Security.User user)
    {
        if (!BasicAuthentication.IsManagementUser(user)) return HttpErrors.Unauthorized("Not management user");
        return access switch
        {
            Access.Monitoring when !BasicAuthentication.IsMonitor(user) => HttpErrors.Forbidden("Not monitor user"),
            Access.Administrator when !BasicAuthentication.HasTag(user, "administrator") => HttpErrors.Forbidden("Not administrator user"),
            _ => null,
        };
    }

    /// <summary>
    /// The path below /api/ as decoded segments, from the raw request target so that an encoded
    /// '/' stays inside its segment. Accepts %2F and %2f alike. Null when not under /api/; 400
    /// (<see cref="ApiError"/>) when a segment does not decode to valid UTF-8.
    /// </summary>
    internal static string[]? PathSegments(HttpContext context)
    {
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') raw = (context.Request.PathBase + context.Request.Path).ToUriComponent();
        int query = raw.IndexOfAny(['?', '#']);
        if (query >= 0) raw = raw[..query];
        const string prefix = "/api/";
        if (!raw.StartsWith(prefix, StringComparison.Ordinal)) return null;
        string rest = raw[prefix.Length..];
        if (rest.EndsWith('/')) rest = rest[..^1];
        if (rest.Length == 0) return null;
        var segments = rest.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            if (!Utf8Input.TryUnescapePathSegment(segments[i], out segments[i]))
                throw new ApiError(HttpErrors.BadRequest("a name in the path is not valid UTF-8 once percent-decoded"));
        }
        return segments;
    }

    private static async Task<JsonElement?> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return null;
        if (request.ContentLength > MaxBodyBytes)
            throw new ApiError(HttpErrors.BadRequest("Exceeded HTTP request body size limit"));
        var source = request.Body;
        bool upload = IsDefinitionsUpload(context);
        // Refused before reading when the length is declared; a chunked body is checked once read.
        if (request.ContentLength > 0 && !upload && !JsonContentType.IsJson(request.ContentType))
            throw new ApiError(JsonContentType.Unsupported(request.ContentType));
        if (upload)
        {
            // The management UI uploads definitions as a multipart form with a "file" field.
            var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            source = form.Files.GetFile("file")?.OpenReadStream()
                     ?? new MemoryStream(System.Text.Encoding.UTF8.GetBytes(form["file"].FirstOrDefault() ?? ""));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await source.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) throw new ApiError(HttpErrors.BadRequest("Exceeded HTTP request body size limit"));
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Length > 0 && !upload && !JsonContentType.IsJson(request.ContentType))
            throw new ApiError(JsonContentType.Unsupported(request.ContentType));
        var text = bytes.Span.Trim(" \t\r\n"u8);
        // RabbitMQ takes an empty body, "null" and "undefined" as {}.
        if (text.IsEmpty || text.SequenceEqual("null"u8) || text.SequenceEqual("undefined"u8)) return null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ApiError(HttpErrors.BadRequest($"failed_to_parse_json: {e.Message}"));
        }
        if (Utf8Input.JsonProblem(bytes) is { } problem) throw new ApiError(HttpErrors.BadRequest($"failed_to_parse_json: {problem}"));
        return root;
    }

    /// <summary>
    /// POST /api/definitions[/{vhost}] as a multipart form, the way RabbitMQ's management UI uploads
    /// a file: the one body that is not application/json. A browser may send such a form from any
    /// page, so it relies on the Origin check (<see cref="CrossSiteRequests"/>) like every other POST.
    /// </summary>
    private static bool IsDefinitionsUpload(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.HasFormContentType) return false;
        if (!request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)) return false;
        var segments = PathSegments(context);
        return segments is ["definitions"] or ["definitions", _];
    }
}
