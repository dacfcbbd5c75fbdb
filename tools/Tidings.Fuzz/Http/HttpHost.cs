using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Core;
using Tidings.Http;
using Tidings.LogQueue;

namespace Tidings.Fuzz.Http;

/// <summary>
/// The real HTTP endpoints (management, REST messaging, metrics, the logging-queue API) on ASP.NET Core's in-memory
/// TestServer: the same pipeline as Kestrel without a socket per request, several times faster
/// per iteration. Requests are built as HttpContexts so the raw target (odd percent-encoding
/// included) reaches the router exactly as written.
/// </summary>
internal sealed class HttpHost : IAsyncDisposable
{
    private static readonly string GuestAuthorization =
        new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray())).ToString();

    private readonly WebApplication _app;
    private readonly TestServer _server;

    private HttpHost(WebApplication app, Broker broker, ErrorLog errors)
    {
        _app = app;
        _server = app.GetTestServer();
        Broker = broker;
        Errors = errors;
    }

    public Broker Broker { get; }

    /// <summary>Errors the server logged (an unhandled exception in a request is logged at Error).</summary>
    public ErrorLog Errors { get; }

    /// <param name="plant">Adds middleware before the endpoints (the planted-fault test uses it).</param>
    public static async Task<HttpHost> StartAsync(Action<WebApplication>? plant = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var errors = new ErrorLog();
        builder.Logging.AddProvider(errors);
        var broker = new Broker(FuzzBrokerOptions.Create());
        errors.Watch(broker);
        builder.Services.AddSingleton(broker);
        builder.Services.AddTidingsHttp();
        builder.Services.AddTidingsLogQueue();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        var host = new HttpHost(app, broker, errors);
        plant?.Invoke(app);
        app.MapTidingsHttp();
        // Where the server puts it: after the HTTP API's middleware, so it gets the same cross-site check.
        app.UseLogQueue();
        await app.StartAsync().ConfigureAwait(false);
        return host;
    }

    public async Task<(int Status, string? ContentType, byte[] Body)> SendAsync(HttpCase request, CancellationToken cancellation)
    {
        var target = HttpHost.ParseTarget(request.Target);
        var context = await _server.SendAsync(c =>
        {
            c.Request.Method = request.Method;
            HttpHost.ApplyTarget(c, target);
            c.Request.Headers.Authorization = GuestAuthorization;
            if (request.Body.Length > 0)
            {
                c.Request.ContentType = "application/json";
                c.Request.ContentLength = request.Body.Length;
                c.Request.Body = new MemoryStream(request.Body);
            }
        }, cancellation).ConfigureAwait(false);
        using var body = new MemoryStream();
        await context.Response.Body.CopyToAsync(body, cancellation).ConfigureAwait(false);
        return (context.Response.StatusCode, context.Response.ContentType, body.ToArray());
    }

    /// <summary>Sends a request known to be valid; throws unless it succeeds. For set-up and health checks.</summary>
    public async Task<byte[]> RequireAsync(string method, string target, string? json, CancellationToken cancellation)
    {
        var (status, _, body) = await SendAsync(new HttpCase(method, target, json is null ? [] : Encoding.UTF8.GetBytes(json)), cancellation)
            .ConfigureAwait(false);
        if (status >= 300)
            throw new InvalidOperationException($"{method} {target} → {status}: {Encoding.UTF8.GetString(body)}");
        return body;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Broker.Dispose();
    }

    /// <summary>A request target split as Kestrel would: "%00" and the like are a UriFormatException (Kestrel's own 400, before any endpoint).</summary>
    internal static (string Target, PathString Path, int Query) ParseTarget(string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        try
        {
            return (target, PathString.FromUriComponent(query < 0 ? target : target[..query]), query);
        }
        catch (InvalidOperationException e)
        {
            throw new UriFormatException(e.Message, e);
        }
    }

    /// <summary>Puts a parsed target on a TestServer request: path, query string and the raw target the endpoints read.</summary>
    internal static void ApplyTarget(HttpContext context, (string Target, PathString Path, int Query) target)
    {
        context.Request.Path = target.Path;
        if (target.Query >= 0) context.Request.QueryString = new QueryString(target.Target[target.Query..]);
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target.Target;
    }
}
