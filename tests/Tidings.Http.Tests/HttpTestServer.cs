using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Amqp;
using Tidings.Connections;
using Tidings.Connections.Listeners;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Tests;

/// <summary>
/// A broker with the HTTP endpoints and the AMQP listener on 127.0.0.1, ports picked by the OS,
/// hosted by Kestrel in-process as `tidings serve` hosts them. Dispose stops it.
/// </summary>
public sealed class HttpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpTestServer(WebApplication app, Broker broker, Uri httpBase, int amqpPort)
    {
        _app = app;
        Broker = broker;
        BaseAddress = httpBase;
        AmqpPort = amqpPort;
    }

    public Broker Broker { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public int AmqpPort { get; }

    /// <summary>The statistics sampler, so tests can take a sample instead of waiting 5 s.</summary>
    public StatsSampler Sampler => _app.Services.GetRequiredService<StatsSampler>();

    public static async Task<HttpTestServer> StartAsync(BrokerOptions? brokerOptions = null, Action<HttpOptions>? configureHttp = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var broker = new Broker(brokerOptions ?? new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        builder.Services.AddSingleton(broker);
        builder.Services.AddTidingsHttp();
        builder.Services.AddTidingsConnections();
        if (configureHttp is not null) builder.Services.Configure(configureHttp);
        ListenOptions? http = null, amqp = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => http = l);
            k.Listen(IPAddress.Loopback, 0, l =>
            {
                amqp = l;
                l.UseConnectionHandler<AmqpConnectionHandler>();
            });
        });
        var app = builder.Build();
        // As the host does: each listener says what it serves, which /api/overview lists.
        var listeners = app.Services.GetRequiredService<ListenerRegistry>();
        listeners.Add("http", "http", tls: false, () => http?.EndPoint);
        listeners.Add("amqp", "amqp", tls: false, () => amqp?.EndPoint);
        app.MapTidingsHttp();
        await app.StartAsync();
        var httpEndpoint = (IPEndPoint)http!.EndPoint;
        var amqpEndpoint = (IPEndPoint)amqp!.EndPoint;
        return new HttpTestServer(app, broker, new Uri($"http://127.0.0.1:{httpEndpoint.Port}/"), amqpEndpoint.Port);
    }

    /// <summary>An HttpClient for the API, authenticated as <paramref name="user"/> (null = no credentials).</summary>
    public HttpClient Client(string? user = "guest", string password = "guest")
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (user is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Broker.Dispose();
    }
}
