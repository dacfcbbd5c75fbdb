using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tidings.Server.Hosting;

namespace Tidings.Server.Cli;

/// <summary><c>tidings serve</c>: runs the broker and its listeners until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Flag ConfigFlag { get; } = new("--config", "path", "JSON configuration file; an explicitly named file must exist.")
    {
        Default = $"./{ServerConfiguration.DefaultFileName}, if present",
        Validate = FlagValues.NotEmpty,
    };

    private static readonly List<Flag> Flags = BuildFlags();

    public static Verb Verb { get; } = new(
        "serve",
        "Run the broker until Ctrl+C or SIGTERM.",
        Flags,
        RunAsync)
    {
        Settings = BuildSettings(Flags),
        Notes =
        [
            "Configuration sources, later ones winning: built-in defaults; tidings.json in the\n"
            + "current directory (or the file named by --config); environment variables named\n"
            + "TIDINGS__<KEY> with ':' written as '__' (TIDINGS__HTTP__PORT=15673); flags.\n"
            + "In tidings.json the keys nest under \"Tidings\": { \"Tidings\": { \"Http\": { \"Port\": 15673 } } }.",
            "A list in tidings.json replaces the default list rather than adding to it; [] empties it.\n"
            + "Unknown keys in the \"Tidings\" section are an error, so a typo cannot go unnoticed.",
            "Port 0 picks a free port; every bound address is logged as \"Listening on <address>\".",
        ],
    };

    private static async Task<int> RunAsync(VerbInvocation invocation)
    {
        WebApplication app;
        try
        {
            app = TidingsHost.Build(invocation.Arguments, configure: null);
        }
        catch (ConfigurationException e)
        {
            await invocation.Error.WriteLineAsync($"tidings serve: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Typically a port already in use. The message says which address; the stack trace would only bury it.
                ServerLog.StartFailed(TidingsHost.GetLogger(app), e.Message);
                return ExitCodes.Failure;
            }

            // Returns once Ctrl+C or SIGTERM has stopped the host: listeners drained within the
            // shutdown timeout, then the broker disposed. Disposing the app flushes the console logger.
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        return ExitCodes.Success;
    }

    private static List<Flag> BuildFlags()
    {
        var defaults = new TidingsServerOptions();
        var section = TidingsServerOptions.SectionName;
        var flags = new List<Flag>
        {
            ConfigFlag,
            new("--data-dir", "path", "Directory for durable state; created at start.")
            {
                Default = defaults.DataDirectory,
                ConfigKey = $"{section}:{nameof(TidingsServerOptions.DataDirectory)}",
                Validate = FlagValues.NotEmpty,
            },
            new("--node-name", "name", "Name of this node, shown to clients and in logs.")
            {
                Default = defaults.NodeName,
                ConfigKey = $"{section}:{nameof(TidingsServerOptions.NodeName)}",
                Validate = FlagValues.NotEmpty,
            },
        };

        // Each listener contributes its own --<name>-host/--<name>-port, so a flag exists exactly when its listener does.
        foreach (var listener in Listeners.All)
        {
            var endpoint = listener.Endpoint(defaults);
            flags.Add(new($"--{listener.Name}-host", "address", $"Address the {listener.DisplayName} listens on ('*' for all).")
            {
                Default = endpoint.Host,
                ConfigKey = $"{section}:{listener.ConfigSection}:{nameof(EndpointOptions.Host)}",
                Validate = FlagValues.Host,
            });
            flags.Add(new($"--{listener.Name}-port", "port", $"Port of the {listener.DisplayName}; 0 picks a free port.")
            {
                Default = endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ConfigKey = $"{section}:{listener.ConfigSection}:{nameof(EndpointOptions.Port)}",
                Validate = FlagValues.Port,
            });
        }

        flags.Add(new("--log-level", "level", $"Least severe log level written: {FlagValues.Names<LogLevel>()}.")
        {
            Default = defaults.Log.Level.ToString().ToLowerInvariant(),
            ConfigKey = $"{section}:{nameof(TidingsServerOptions.Log)}:{nameof(LogOptions.Level)}",
            Validate = FlagValues.LogLevelName,
        });
        flags.Add(new("--log-format", "format", $"Console log format: {FlagValues.Names<LogFormat>()} (one JSON object per line).")
        {
            Default = defaults.Log.Format.ToString().ToLowerInvariant(),
            ConfigKey = $"{section}:{nameof(TidingsServerOptions.Log)}:{nameof(LogOptions.Format)}",
            Validate = FlagValues.LogFormatName,
        });
        flags.Add(new("--shutdown-timeout", "seconds", "How long in-flight work may run after Ctrl+C or SIGTERM before it is cut off.")
        {
            Default = defaults.ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ConfigKey = $"{section}:{nameof(TidingsServerOptions.ShutdownTimeoutSeconds)}",
            Validate = FlagValues.Seconds,
        });
        return flags;
    }

    /// <summary>
    /// Every setting of the server, the broker and the listeners' protocol classes that has no flag
    /// (a listener's Enabled and Tls, the TLS files), generated
    /// from the options classes so a new property is documented the moment it exists.
    /// </summary>
    private static List<ConfigSetting> BuildSettings(IReadOnlyList<Flag> flags)
    {
        var flagKeys = flags.Select(f => f.ConfigKey).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return
        [
            .. from owner in SettingsCatalog.Owners(Listeners.All)
               from setting in SettingsCatalog.Leaves(owner.Prefix, owner.Type)
               where !flagKeys.Contains(setting.Key)
               select new ConfigSetting(setting.Key, setting.DefaultText, XmlDocumentation.Summary(setting.Property) ?? "")
               {
                   EnvironmentVariable = ConfigKeys.ToEnvironmentVariable(setting.Key)
                       + (SettingsCatalog.IsList(setting.Property.PropertyType) ? "__0, __1, ..." : ""),
               },
        ];
    }
}
