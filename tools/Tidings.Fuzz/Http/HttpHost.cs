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

namespace Tidings.Fuzz.Http;

/// <summary>
/// The real HTTP endpoints (management, REST messaging, metrics) on ASP.NET Core's in-memory
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
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        var host = new HttpHost(app, broker, errors);
        plant?.Invoke(app);
        app.MapTidingsHttp();
        await app.StartAsync().ConfigureAwait(false);
        return host;
    }

    public async Task<(int Status, string? ContentType, byte[] Body)> SendAsync(HttpCase request, CancellationToken cancellation)
    {
        string target = request.Target;
        int query = target.IndexOf('?', StringComparison.Ordinal);
        PathString path;
        try
        {
            path = PathString.FromUriComponent(query < 0 ? target : target[..query]);
        }
        catch (InvalidOperationException e)
        {
            // "%00" and the like: Kestrel answers 400 itself before any endpoint runs.
            throw new UriFormatException(e.Message, e);
        }
        var context = await _server.SendAsync(c =>
        {
            c.Request.Method = request.Method;
            c.Request.Path = path;
            if (query >= 0) c.Request.QueryString = new QueryString(target[query..]);
            c.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
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
}
