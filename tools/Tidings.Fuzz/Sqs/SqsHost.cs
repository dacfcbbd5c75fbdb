using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Core;
using Tidings.Sqs;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// The SQS endpoint on ASP.NET Core's in-memory TestServer, its pipeline just
/// <see cref="SqsEndpoint.HandleAsync"/>. Every request comes from 127.0.0.1, so unsigned calls
/// act as the loopback user (guest) as they would from a local SDK.
/// </summary>
internal sealed class SqsHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestServer _server;

    private SqsHost(WebApplication app, Broker broker, ErrorLog errors)
    {
        _app = app;
        _server = app.GetTestServer();
        Broker = broker;
        Errors = errors;
    }

    public Broker Broker { get; }

    /// <summary>Errors the server logged and faults reported to Broker.Faults.</summary>
    public ErrorLog Errors { get; }

    public static async Task<SqsHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var errors = new ErrorLog();
        builder.Logging.AddProvider(errors);
        var broker = new Broker(FuzzBrokerOptions.Create());
        errors.Watch(broker);
        builder.Services.AddSingleton(broker);
        builder.Services.AddTidingsSqs();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            context.Connection.RemotePort = 50000;
            return next(context);
        });
        app.Run(SqsEndpoint.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        return new SqsHost(app, broker, errors);
    }

    public async Task<SqsResponse> SendAsync(SqsCase request, CancellationToken cancellation)
    {
        var target = Http.HttpHost.ParseTarget(request.Target);
        var context = await _server.SendAsync(c =>
        {
            c.Request.Method = request.Method;
            Http.HttpHost.ApplyTarget(c, target);
            c.Request.Headers.Host = "localhost";
            foreach (var (name, value) in request.Headers)
            {
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) c.Request.ContentType = value;
                else c.Request.Headers.Append(name, value);
            }
            c.Request.ContentLength = request.Body.Length;
            c.Request.Body = new MemoryStream(request.Body);
        }, cancellation).ConfigureAwait(false);
        using var body = new MemoryStream();
        await context.Response.Body.CopyToAsync(body, cancellation).ConfigureAwait(false);
        var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new SqsResponse(context.Response.StatusCode, context.Response.ContentType, headers, body.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Broker.Dispose();
    }
}

internal sealed record SqsResponse(int Status, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}
