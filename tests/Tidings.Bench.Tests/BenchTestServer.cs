using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Amqp;
using Tidings.Core;

namespace Tidings.Bench.Tests;

/// <summary>
/// A broker with the AMQP listener on 127.0.0.1 and a port the OS picks, hosted by Kestrel
/// in-process exactly as `tidings serve` hosts it. Dispose stops it.
/// </summary>
public sealed class BenchTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchTestServer(WebApplication app, Broker broker, int port)
    {
        _app = app;
        Broker = broker;
        Port = port;
    }

    public Broker Broker { get; }
    public int Port { get; }

    public static async Task<BenchTestServer> StartAsync(Action<AmqpOptions>? configureAmqp = null, BrokerOptions? brokerOptions = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var broker = new Broker(brokerOptions ?? new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        builder.Services.AddSingleton(broker);
        builder.Services.Configure<AmqpOptions>(o => configureAmqp?.Invoke(o));
        builder.WebHost.ConfigureKestrel(k =>
            k.Listen(IPAddress.Loopback, 0, l => l.UseConnectionHandler<AmqpConnectionHandler>()));
        var app = builder.Build();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int port = new Uri(address.Replace("[::]", "localhost")).Port;
        return new BenchTestServer(app, broker, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Broker.Dispose();
    }
}
