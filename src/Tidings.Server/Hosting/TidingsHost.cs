using System.Collections;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Tidings.Connections;
using Tidings.Connections.Listeners;
using Tidings.Connections.Tls;
using Tidings.Core;
using Tidings.Http;
using Tidings.LogQueue;
using Tidings.Mqtt;
using Tidings.Mqtt.WebSockets;
using Tidings.Sqs;
using Tidings.Server.Cli;

namespace Tidings.Server.Hosting;

/// <summary>
/// Builds the <c>tidings serve</c> host: configuration, logging, one <see cref="Broker"/>,
/// the Kestrel listeners of <see cref="Listeners.All"/> (TLS in front of those with Tls on) and the HTTP API.
/// </summary>
public static class TidingsHost
{
    // UTC, to the millisecond, sortable; the same in both formats.
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// Builds the host from <c>serve</c>'s flags (without the verb), reading tidings.json and
    /// TIDINGS__ variables as <c>tidings serve</c> does. Throws <see cref="UsageException"/> for a bad flag and
    /// <see cref="ConfigurationException"/> for a bad setting.
    /// </summary>
    /// <param name="args">Flags of <c>serve</c>, e.g. <c>["--http-port", "0", "--data-dir", dir]</c>.</param>
    /// <param name="configure">
    /// Runs after the configuration sources are in place and before the options are bound: it may add
    /// configuration sources (which then win over flags), services, or Kestrel endpoints.
    /// </param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        Build(ArgumentParser.Parse(ServeCommand.Verb, args), configure);

    internal static WebApplication Build(ParsedArguments serve, Action<WebApplicationBuilder>? configure) =>
        Build(serve, configure, Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory(), Listeners.All);

    /// <param name="listeners">The endpoints to open; <see cref="Listeners.All"/> except in tests of the mechanism itself.</param>
    internal static WebApplication Build(
        ParsedArguments serve,
        Action<WebApplicationBuilder>? configure,
        IDictionary environment,
        string currentDirectory,
        IReadOnlyList<ListenerDefinition> listeners)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // The command line is ours to parse; the host must not read "--http-port" as a key of its own.
            Args = [],
            ApplicationName = typeof(TidingsHost).Assembly.GetName().Name,
            ContentRootPath = currentDirectory,
        });

        // Exactly the documented sources, nothing the generic host adds on its own (appsettings.json,
        // every environment variable, ASPNETCORE_URLS): what help says is what the server reads.
        builder.Configuration.Sources.Clear();
        ServerConfiguration.AddSources(builder.Configuration, serve, environment, currentDirectory);
        configure?.Invoke(builder);

        var options = ServerConfiguration.BindServerOptions(builder.Configuration, listeners);
        var brokerOptions = ServerConfiguration.BindBrokerOptions(builder.Configuration, options, currentDirectory);

        ConfigureLogging(builder.Logging, options.Log);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);

        foreach (var listener in listeners)
        {
            listener.Settings?.Register(builder.Services, builder.Configuration.GetSection(listener.ConfigKey));
        }

        var opened = listeners.Where(l => l.Endpoint(options).Enabled).ToList();
        // Read now, so a missing or unusable PEM file stops the start with its name, not the first handshake.
        var certificate = opened.Exists(l => l.Endpoint(options).Tls) ? LoadCertificate(options.Tls, currentDirectory) : null;
        var registry = new ListenerRegistry { Certificate = certificate?.Certificate };
        var bindings = new ListenerBindings(registry);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var listener in opened)
            {
                var endpoint = listener.Endpoint(options);
                void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
                {
                    // TLS first: connection middleware runs in the order added, and the protocol reads plain bytes.
                    if (endpoint.Tls)
                    {
                        listen.UseTidingsTls(certificate!);
                    }
                    listener.Configure(listen);
                    bindings.Add(listener, endpoint.Tls, listen);
                }

                // "*" binds IPv6 and IPv4, falling back to IPv4 alone where IPv6 is off.
                if (endpoint.Host == "*")
                {
                    kestrel.ListenAnyIP(endpoint.Port, Configure);
                }
                else
                {
                    kestrel.Listen(endpoint.ResolveAddress(), endpoint.Port, Configure);
                }
            }
        });

        try
        {
            Directory.CreateDirectory(brokerOptions.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot create data directory '{brokerOptions.DataDirectory}': {e.Message}", e);
        }

        // Created here and registered as an instance, so the container does not dispose it:
        // BrokerLifecycle does, after the listeners have drained, and logs that it did.
        var broker = new Broker(brokerOptions);
        builder.Services.AddSingleton(broker);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(bindings);
        // The instance the endpoints above register in; AddTidingsConnections keeps it and adds the shared heartbeat.
        builder.Services.AddSingleton(registry);
        builder.Services.AddTidingsConnections();
        builder.Services.AddSingleton<BrokerLifecycle>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BrokerLifecycle>());
        builder.Services.AddTidingsHttp();
        builder.Services.AddTidingsSqs();
        builder.Services.AddTidingsLogQueue();

        var app = builder.Build();
        // Resolving it now puts it in the container's care, so disposing an app that never started still disposes the broker.
        app.Services.GetRequiredService<BrokerLifecycle>();
        // First in the pipeline: requests on the SQS listener never reach the HTTP API's middleware.
        app.UseSqsListener();
        app.MapTidingsHttp();
        // After the HTTP API's middleware (so /logqueue gets its cross-site check), before its endpoints run.
        app.UseLogQueue();
        // MQTT over WebSocket shares the HTTP port, as long as the MQTT listener is not switched off.
        string webSocketPath = app.Services.GetRequiredService<IOptions<MqttOptions>>().Value.WebSocketPath;
        if (options.Mqtt.Enabled && webSocketPath.Length > 0) app.MapMqttWebSockets(webSocketPath);
        return app;
    }

    /// <summary>
    /// The address a listener ("http", "amqp") is bound to, with the real port when 0 was asked for.
    /// Valid once the app has started.
    /// </summary>
    public static IPEndPoint GetListenerEndpoint(this WebApplication app, string listenerName) =>
        app.Services.GetRequiredService<ListenerBindings>().Find(listenerName)
        ?? throw new ArgumentException($"no listener named '{listenerName}'", nameof(listenerName));

    /// <summary>The node's certificate; a <see cref="TlsCertificateException"/> becomes a configuration error naming the file.</summary>
    private static TlsCertificate LoadCertificate(TlsOptions tls, string currentDirectory)
    {
        try
        {
            return TlsCertificate.Load(tls, $"{TidingsServerOptions.SectionName}:{nameof(TidingsServerOptions.Tls)}", currentDirectory);
        }
        catch (TlsCertificateException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    internal static ILogger GetLogger(WebApplication app) =>
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(ServerLog.Category);

    private static void ConfigureLogging(ILoggingBuilder logging, LogOptions log)
    {
        logging.ClearProviders();
        if (log.Format == LogFormat.Json)
        {
            logging.AddJsonConsole(json =>
            {
                json.TimestampFormat = TimestampFormat;
                json.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(simple =>
            {
                simple.TimestampFormat = TimestampFormat + " ";
                simple.UseUtcTimestamp = true;
                simple.SingleLine = true;
            });
        }
        logging.SetMinimumLevel(log.Level);

        // ASP.NET Core and the host narrate every request and lifetime step at Information;
        // below Debug that drowns the broker's own lines, and the host's addresses are logged by us.
        if (log.Level > LogLevel.Debug)
        {
            logging.AddFilter("Microsoft", log.Level > LogLevel.Warning ? log.Level : LogLevel.Warning);
        }
    }
}
