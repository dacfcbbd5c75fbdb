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
using Tidings.Http;
using Tidings.Http.Common;
using Tidings.LogQueue;
using Tidings.Mqtt.WebSockets;
using Tidings.Mqtt;
using Tidings.Sqs;

namespace Tidings.Testing;

/// <summary>
/// A broker hosted by Kestrel in-process as `tidings serve` hosts it: the AMQP listener and,
/// when asked, the HTTP endpoints and the MQTT listener, each on 127.0.0.1 with a port the OS picks. Dispose stops it.
/// </summary>
public sealed class TestBrokerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>The data directory's stores when the server was started durable; null otherwise.</summary>
    private TestStorage? _storage;

    private TestBrokerServer(WebApplication app, Broker broker, int amqpPort, Uri? baseAddress, int? mqttPort, int? sqsPort = null,
        int? logQueuePort = null)
    {
        _logQueuePort = logQueuePort;
        _sqsPort = sqsPort;
        _app = app;
        Broker = broker;
        AmqpPort = amqpPort;
        _baseAddress = baseAddress;
        _mqttPort = mqttPort;
    }

    private readonly int? _mqttPort;

    /// <summary>The MQTT listener's port (servers started with <c>withMqtt: true</c> only).</summary>
    public int MqttPort => _mqttPort ?? throw new InvalidOperationException("this server was started without MQTT");

    private readonly Uri? _baseAddress;

    private readonly int? _sqsPort;

    /// <summary>The SQS listener's port (servers started with <c>withSqs: true</c> only).</summary>
    public int SqsPort => _sqsPort ?? throw new InvalidOperationException("this server was started without SQS");

    /// <summary>http://127.0.0.1:port of the SQS API, the endpoint URL clients are given.</summary>
    public string SqsEndpoint => $"http://127.0.0.1:{SqsPort}";

    private readonly int? _logQueuePort;

    /// <summary>The logging-queue API's own listener's port, serving the API at the root (servers started with it only).</summary>
    public int LogQueuePort => _logQueuePort ?? throw new InvalidOperationException("this server was started without the logging-queue listener");

    public Broker Broker { get; }

    /// <summary>The AMQP listener's port.</summary>
    public int AmqpPort { get; }

    /// <summary>http://127.0.0.1:port/ of the HTTP endpoints (servers started with them only).</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("this server was started without HTTP");

    /// <summary>The statistics sampler, so tests can take a sample instead of waiting 5 s (servers with HTTP only).</summary>
    public StatsSampler Sampler => _app.Services.GetRequiredService<StatsSampler>();

    /// <summary>A broker with the AMQP listener only, or with an MQTT listener beside it (<paramref name="withMqtt"/>).</summary>
    public static Task<TestBrokerServer> StartAmqpAsync(Action<AmqpOptions>? configureAmqp = null, BrokerOptions? brokerOptions = null,
        bool withMqtt = false, Action<MqttOptions>? configureMqtt = null) =>
        StartAsync(brokerOptions, configureAmqp, withHttp: false, configureHttp: null, withMqtt: withMqtt || configureMqtt is not null,
            configureMqtt: configureMqtt);

    /// <summary>
    /// A broker that keeps its durable queues, messages and MQTT state in <paramref name="dataDirectory"/>,
    /// as the server does: a second one started on the same directory after this one was disposed
    /// is the same broker restarted.
    /// </summary>
    public static Task<TestBrokerServer> StartDurableAsync(string dataDirectory, bool withMqtt = true, Action<MqttOptions>? configureMqtt = null,
        bool withSqs = false, bool withHttp = false, bool withLogQueue = false) =>
        StartAsync(new BrokerOptions { MemoryHighWatermarkBytes = 0, DataDirectory = dataDirectory }, configureAmqp: null, withHttp: withHttp || withLogQueue,
            configureHttp: null, withMqtt: withMqtt, configureMqtt: configureMqtt, durable: true, withSqs: withSqs, withLogQueue: withLogQueue);

    /// <summary>
    /// A broker with the logging-queue API under /logqueue on the HTTP port and at the root of a
    /// listener of its own (<see cref="LogQueuePort"/>), beside the AMQP listener.
    /// </summary>
    public static Task<TestBrokerServer> StartWithLogQueueAsync(Action<LogQueueOptions>? configureLogQueue = null, BrokerOptions? brokerOptions = null) =>
        StartAsync(brokerOptions, configureAmqp: null, withHttp: true, configureHttp: null, withLogQueue: true, configureLogQueue: configureLogQueue);

    /// <summary>A broker with the SQS API listener and the AMQP listener (and the HTTP endpoints with <paramref name="withHttp"/>).</summary>
    public static Task<TestBrokerServer> StartWithSqsAsync(Action<SqsOptions>? configureSqs = null, BrokerOptions? brokerOptions = null,
        bool withHttp = false) =>
        StartAsync(brokerOptions, configureAmqp: null, withHttp: withHttp, configureHttp: null, withSqs: true, configureSqs: configureSqs);

    /// <summary>A broker with the HTTP endpoints (management, REST, metrics, dashboard) and the AMQP listener.</summary>
    /// <param name="mapExtra">Maps endpoints of the test's own next to Tidings' (e.g. one that throws).</param>
    /// <param name="withMqtt">Adds the MQTT listener too, and MQTT over WebSocket at /mqtt on the HTTP port.</param>
    public static Task<TestBrokerServer> StartWithHttpAsync(BrokerOptions? brokerOptions = null, Action<HttpOptions>? configureHttp = null,
        Action<AmqpOptions>? configureAmqp = null, Action<WebApplication>? mapExtra = null, bool withMqtt = false,
        Action<MqttOptions>? configureMqtt = null) =>
        StartAsync(brokerOptions, configureAmqp, withHttp: true, configureHttp, mapExtra, withMqtt || configureMqtt is not null, configureMqtt);

    private static async Task<TestBrokerServer> StartAsync(BrokerOptions? brokerOptions, Action<AmqpOptions>? configureAmqp,
        bool withHttp, Action<HttpOptions>? configureHttp, Action<WebApplication>? mapExtra = null,
        bool withMqtt = false, Action<MqttOptions>? configureMqtt = null, bool durable = false,
        bool withSqs = false, Action<SqsOptions>? configureSqs = null, bool withLogQueue = false, Action<LogQueueOptions>? configureLogQueue = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        // No memory alarm unless a test asks for one: the machine's memory is not the test's.
        var broker = new Broker(brokerOptions ?? new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        // Before any listener: definitions and messages are back before the first client.
        var storage = durable ? TestStorage.Attach(broker) : null;
        builder.Services.AddSingleton(broker);
        builder.Services.Configure<AmqpOptions>(o => configureAmqp?.Invoke(o));
        builder.Services.AddTidingsConnections();
        if (withMqtt) builder.Services.Configure<MqttOptions>(o => configureMqtt?.Invoke(o));
        if (withSqs)
        {
            builder.Services.AddTidingsSqs();
            builder.Services.Configure<SqsOptions>(o => configureSqs?.Invoke(o));
        }
        if (withLogQueue)
        {
            builder.Services.AddTidingsLogQueue();
            builder.Services.Configure<LogQueueOptions>(o => configureLogQueue?.Invoke(o));
        }
        if (withHttp)
        {
            builder.Services.AddTidingsHttp();
            if (configureHttp is not null) builder.Services.Configure(configureHttp);
        }
        ListenOptions? http = null, amqp = null, mqtt = null, sqs = null, logQueue = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (withHttp) k.Listen(IPAddress.Loopback, 0, l => http = l);
            k.Listen(IPAddress.Loopback, 0, l =>
            {
                amqp = l;
                l.UseConnectionHandler<AmqpConnectionHandler>();
            });
            if (withSqs)
            {
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    sqs = l;
                    l.MarkSqsConnections();
                });
            }
            if (withLogQueue)
            {
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    logQueue = l;
                    l.MarkLogQueueConnections();
                });
            }
            if (withMqtt)
            {
                k.Listen(IPAddress.Loopback, 0, l =>
                {
                    mqtt = l;
                    l.UseConnectionHandler<MqttConnectionHandler>();
                });
            }
        });
        var app = builder.Build();
        // As the host does: each listener says what it serves, which /api/overview lists.
        var listeners = app.Services.GetRequiredService<ListenerRegistry>();
        if (withHttp) listeners.Add("http", "http", tls: false, () => http?.EndPoint);
        listeners.Add("amqp", "amqp", tls: false, () => amqp?.EndPoint);
        if (withMqtt) listeners.Add("mqtt", "mqtt", tls: false, () => mqtt?.EndPoint);
        if (withSqs) listeners.Add("sqs", "sqs", tls: false, () => sqs?.EndPoint);
        if (withLogQueue) listeners.Add("logqueue", "logqueue", tls: false, () => logQueue?.EndPoint);
        if (withSqs) app.UseSqsListener();
        if (withHttp) app.MapTidingsHttp();
        if (withLogQueue) app.UseLogQueue();
        if (withHttp && withMqtt) app.MapMqttWebSockets();
        mapExtra?.Invoke(app);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            if (storage is not null) await storage.CloseAsync(broker).ConfigureAwait(false);
            else broker.Dispose();
            throw;
        }
        var baseAddress = http is null ? null : new Uri($"http://127.0.0.1:{((IPEndPoint)http.EndPoint).Port}/");
        int? mqttPort = mqtt is null ? null : ((IPEndPoint)mqtt.EndPoint).Port;
        int? sqsPort = sqs is null ? null : ((IPEndPoint)sqs.EndPoint).Port;
        int? logQueuePort = logQueue is null ? null : ((IPEndPoint)logQueue.EndPoint).Port;
        return new TestBrokerServer(app, broker, ((IPEndPoint)amqp!.EndPoint).Port, baseAddress, mqttPort, sqsPort, logQueuePort) { _storage = storage };
    }

    /// <summary>An HttpClient for the HTTP endpoints, authenticated as <paramref name="user"/> (null = no credentials).</summary>
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
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_storage is not null) await _storage.CloseAsync(Broker).ConfigureAwait(false);
        else Broker.Dispose();
    }
}
