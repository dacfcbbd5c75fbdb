using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Tidings.Core;
using Tidings.Server.Cli;

namespace Tidings.Server.Hosting;

/// <summary>
/// Assembles the server's configuration sources and binds the "Tidings" section to
/// <see cref="TidingsServerOptions"/> and <see cref="BrokerOptions"/>.
/// </summary>
internal static class ServerConfiguration
{
    public const string DefaultFileName = "tidings.json";

    /// <summary>
    /// Adds, later ones winning: tidings.json (or the --config file), TIDINGS__ environment
    /// variables, then the flags. The built-in defaults are the options' property initializers,
    /// which every source overrides key by key.
    /// </summary>
    /// <param name="environment">Environment variables, passed in so tests need not touch the process's.</param>
    /// <param name="currentDirectory">Where tidings.json and relative paths are looked up.</param>
    public static void AddSources(IConfigurationBuilder builder, ParsedArguments serve, IDictionary environment, string currentDirectory)
    {
        var explicitFile = serve[ServeCommand.ConfigFlag.Name];
        var file = Path.GetFullPath(explicitFile ?? DefaultFileName, currentDirectory);
        if (explicitFile is not null && !File.Exists(file))
        {
            throw new UsageException($"configuration file '{file}' does not exist");
        }

        try
        {
            builder.AddJsonFile(file, optional: explicitFile is null, reloadOnChange: false);
        }
        catch (InvalidDataException e)
        {
            // The outer message names the file, the innermost the line and position of the syntax error.
            var messages = new List<string>();
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                messages.Add(inner.Message);
            }
            throw new ConfigurationException(string.Join(" ", messages), e);
        }
        builder.AddInMemoryCollection(FromEnvironment(environment));
        builder.AddInMemoryCollection(serve.ConfigurationValues);
    }

    /// <summary>TIDINGS__HTTP__PORT=1 → Tidings:Http:Port=1; variables without the prefix are ignored.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(ConfigKeys.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                yield return new(ConfigKeys.FromEnvironmentVariable(name), entry.Value as string);
            }
        }
    }

    /// <summary>
    /// Rejects unknown keys, then binds and validates the server's settings; throws
    /// <see cref="ConfigurationException"/> naming every bad key.
    /// </summary>
    /// <param name="listeners">Listeners whose settings classes own keys too; <see cref="Listeners.All"/> when null.</param>
    public static TidingsServerOptions BindServerOptions(IConfiguration configuration, IReadOnlyList<ListenerDefinition>? listeners = null)
    {
        var owners = SettingsCatalog.Owners(listeners ?? Listeners.All).ToList();
        var unknown = configuration.GetSection(TidingsServerOptions.SectionName).AsEnumerable()
            .Where(entry => entry.Value is not null) // "Tidings:Http" and the like are implied by their children
            .Select(entry => entry.Key)
            .Where(key => !SettingsCatalog.IsKnown(key, owners))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (unknown.Count > 0)
        {
            var plural = unknown.Count > 1 ? "s" : "";
            throw new ConfigurationException(
                $"unknown setting{plural} {string.Join(", ", unknown.Select(k => $"'{k}'"))}; 'tidings serve --help' lists the known ones");
        }

        var options = new TidingsServerOptions();
        Bind(configuration, options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ConfigurationException("invalid configuration: " + string.Join("; ", problems));
        }
        return options;
    }

    /// <summary>
    /// Binds the broker's settings from the same section. Data directory and node name come
    /// from <paramref name="server"/>, the data directory made absolute against <paramref name="currentDirectory"/>.
    /// </summary>
    public static BrokerOptions BindBrokerOptions(IConfiguration configuration, TidingsServerOptions server, string currentDirectory)
    {
        var options = new BrokerOptions();
        var section = configuration.GetSection(TidingsServerOptions.SectionName);

        // The binder appends to a list that already holds items, so LoopbackUsers: ["admin"] would
        // yield [guest, admin]. A configured list must replace the default, and [] must empty it.
        foreach (var property in typeof(BrokerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanWrite && SettingsCatalog.IsList(property.PropertyType) && section.GetSection(property.Name).Exists()
                && property.PropertyType.GetConstructor(Type.EmptyTypes) is not null)
            {
                property.SetValue(options, Activator.CreateInstance(property.PropertyType));
            }
        }
        Bind(configuration, options);

        options.DataDirectory = Path.GetFullPath(server.DataDirectory, currentDirectory);
        options.NodeName = server.NodeName;
        return options;
    }

    private static void Bind(IConfiguration configuration, object options)
    {
        try
        {
            // Not strict: several classes share the section, and unknown keys were rejected above.
            configuration.GetSection(TidingsServerOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'x' at 'Tidings:Http:Port' to type 'System.Int32'."
            throw new ConfigurationException($"invalid configuration: {e.Message}", e);
        }
    }
}
