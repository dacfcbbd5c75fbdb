using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Tidings.Core;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    // Stands in for the current directory: where tidings.json is looked for.
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    // A ConfigurationManager, as the host uses: it loads each source as it is added.
    private ConfigurationManager Configuration(string[] flags, Hashtable? environment = null)
    {
        var configuration = new ConfigurationManager();
        var serve = ArgumentParser.Parse(ServeCommand.Verb, flags);
        ServerConfiguration.AddSources(configuration, serve, environment ?? [], _directory.Path);
        return configuration;
    }

    private TidingsServerOptions ServerOptions(string[] flags, Hashtable? environment = null) =>
        ServerConfiguration.BindServerOptions(Configuration(flags, environment));

    private BrokerOptions BrokerOptions(string[] flags, Hashtable? environment = null)
    {
        var configuration = Configuration(flags, environment);
        return ServerConfiguration.BindBrokerOptions(configuration, ServerConfiguration.BindServerOptions(configuration), _directory.Path);
    }

    [Fact]
    public void Without_file_environment_or_flags_the_built_in_defaults_apply()
    {
        var options = ServerOptions([]);

        Assert.Equal("./data", options.DataDirectory);
        Assert.Equal("tidings@localhost", options.NodeName);
        Assert.Equal("127.0.0.1", options.Amqp.Host);
        Assert.Equal(5672, options.Amqp.Port);
        Assert.Equal("127.0.0.1", options.Http.Host);
        Assert.Equal(15672, options.Http.Port);
        // TLS is off: amqps closed, HTTP plain, no certificate named.
        Assert.False(options.Amqps.Enabled);
        Assert.Equal(("127.0.0.1", 5671, true), (options.Amqps.Host, options.Amqps.Port, options.Amqps.Tls));
        Assert.False(options.Amqp.Tls);
        Assert.False(options.Http.Tls);
        Assert.Null(options.Tls.CertificateFile);
        Assert.Null(options.Tls.KeyFile);
        Assert.Equal(LogLevel.Information, options.Log.Level);
        Assert.Equal(LogFormat.Simple, options.Log.Format);
        Assert.Equal(10, options.ShutdownTimeoutSeconds);
    }

    [Fact]
    public void Server_defaults_agree_with_the_broker_defaults_they_override()
    {
        Assert.Equal(new BrokerOptions().DataDirectory, new TidingsServerOptions().DataDirectory);
        Assert.Equal(new BrokerOptions().NodeName, new TidingsServerOptions().NodeName);
    }

    [Fact]
    public void Json_is_overridden_by_environment_which_is_overridden_by_flags()
    {
        _directory.WriteFile("tidings.json", """
            {
              "Tidings": {
                "NodeName": "from-json",
                "DataDirectory": "json-data",
                "Http": { "Port": 1001, "Host": "0.0.0.0" },
                "Amqp": { "Port": 1002 }
              }
            }
            """);
        var environment = new Hashtable
        {
            ["TIDINGS__HTTP__PORT"] = "2001",
            ["TIDINGS__AMQP__PORT"] = "2002",
            ["TIDINGS__DATADIRECTORY"] = "env-data",
        };

        var options = ServerOptions(["--http-port", "3001"], environment);

        Assert.Equal("from-json", options.NodeName);      // json only
        Assert.Equal("0.0.0.0", options.Http.Host);       // json only
        Assert.Equal(2002, options.Amqp.Port);            // env beats json
        Assert.Equal("env-data", options.DataDirectory);  // env beats json
        Assert.Equal(3001, options.Http.Port);            // flag beats env and json
    }

    [Fact]
    public void Config_flag_reads_the_named_file_instead_of_tidings_json()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "NodeName": "default-file" } }""");
        _directory.WriteFile("other.json", """{ "Tidings": { "NodeName": "other-file" } }""");

        Assert.Equal("other-file", ServerOptions(["--config", "other.json"]).NodeName);
        Assert.Equal("default-file", ServerOptions([]).NodeName);
    }

    [Fact]
    public void Environment_variables_without_the_TIDINGS_prefix_are_ignored()
    {
        var environment = new Hashtable
        {
            ["TIDINGS_HTTP__PORT"] = "1",      // one underscore: not ours
            ["HTTP__PORT"] = "2",
            ["Tidings:Http:Port"] = "3",      // a configuration key, not an environment variable name
            ["ASPNETCORE_URLS"] = "http://0.0.0.0:4",
        };

        Assert.Equal(15672, ServerOptions([], environment).Http.Port);
    }

    [Fact]
    public void Broker_settings_bind_from_the_same_section_with_an_absolute_data_directory()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "DefaultUser": "admin", "MaxMessageSize": 1024 } }""");

        var broker = BrokerOptions(["--data-dir", "state", "--node-name", "n1"], new Hashtable { ["TIDINGS__DEFAULTPASSWORD"] = "secret" });

        Assert.Equal("admin", broker.DefaultUser);
        Assert.Equal("secret", broker.DefaultPassword);
        Assert.Equal(1024, broker.MaxMessageSize);
        Assert.Equal("n1", broker.NodeName);
        Assert.Equal(Path.Combine(_directory.Path, "state"), broker.DataDirectory);
    }

    [Fact]
    public void Login_throttling_allowed_origins_metrics_and_health_check_settings_bind_from_the_section()
    {
        _directory.WriteFile("tidings.json", """
            { "Tidings": { "LoginThrottling": { "AddressBurst": 3, "UserFailuresPerMinute": 7 },
                           "Http": { "AllowedOrigins": ["https://ops.example"],
                                     "Metrics": { "PerObject": true, "RequireAuthentication": true },
                                     "HealthChecks": { "RequireAuthentication": false } } } }
            """);

        var broker = BrokerOptions([], new Hashtable { ["TIDINGS__LOGINTHROTTLING__REFUSALDELAYMILLISECONDS"] = "5" });
        Assert.Equal(3, broker.LoginThrottling.AddressBurst);
        Assert.Equal(7, broker.LoginThrottling.UserFailuresPerMinute);
        Assert.Equal(5, broker.LoginThrottling.RefusalDelayMilliseconds);
        Assert.Equal(new Tidings.Core.Security.LoginThrottleOptions().UserBurst, broker.LoginThrottling.UserBurst);

        var http = new Tidings.Http.HttpOptions();
        Configuration([]).GetSection("Tidings:Http").Bind(http);
        Assert.Equal(["https://ops.example"], http.AllowedOrigins);
        Assert.True(http.Metrics.PerObject);
        Assert.True(http.Metrics.RequireAuthentication);
        Assert.False(http.HealthChecks.RequireAuthentication);
        ServerOptions([]); // and the keys are known
    }

    [Fact]
    public void Configured_loopback_users_replace_the_default_instead_of_adding_to_it()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "LoopbackUsers": ["admin"] } }""");

        Assert.Equal(["admin"], BrokerOptions([]).LoopbackUsers);
        Assert.Equal(["guest"], new BrokerOptions().LoopbackUsers);
    }

    [Fact]
    public void Empty_loopback_users_list_lets_every_user_connect_remotely()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "LoopbackUsers": [] } }""");

        Assert.Empty(BrokerOptions([]).LoopbackUsers);
    }

    [Fact]
    public void Unset_loopback_users_keep_the_default_guest()
    {
        Assert.Equal(["guest"], BrokerOptions([]).LoopbackUsers);
    }

    [Theory]
    [InlineData("""{ "Tidings": { "Htp": { "Port": 1 } } }""", "Tidings:Htp:Port")]
    [InlineData("""{ "Tidings": { "Http": { "Prot": 1 } } }""", "Tidings:Http:Prot")]
    [InlineData("""{ "Tidings": { "DefaultUsr": "x" } }""", "Tidings:DefaultUsr")]
    public void Unknown_setting_is_rejected_by_name(string json, string key)
    {
        _directory.WriteFile("tidings.json", json);

        var error = Assert.Throws<ConfigurationException>(() => ServerOptions([]));
        Assert.Contains($"'{key}'", error.Message);
    }

    [Fact]
    public void Keys_of_a_listeners_own_settings_class_are_known_only_while_that_listener_exists()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "Http": { "Port": 1, "FrameMax": 4096 } } }""");
        var configuration = Configuration([]);
        var http = Listeners.All.Single(l => l.Name == "http");
        var withSettings = http with { Settings = ListenerSettings.For<ProtocolSettings>() };

        Assert.Equal(1, ServerConfiguration.BindServerOptions(configuration, [withSettings]).Http.Port);
        var error = Assert.Throws<ConfigurationException>(() => ServerConfiguration.BindServerOptions(configuration, [http]));
        Assert.Contains("'Tidings:Http:FrameMax'", error.Message);
    }

    private sealed class ProtocolSettings
    {
        public int Port { get; set; }

        public uint FrameMax { get; set; }
    }

    [Fact]
    public void Invalid_values_from_file_or_environment_are_all_reported_with_their_keys()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "Http": { "Host": "example.com" }, "Amqp": { "Port": 70000 } } }""");

        var error = Assert.Throws<ConfigurationException>(() => ServerOptions([], new Hashtable { ["TIDINGS__SHUTDOWNTIMEOUTSECONDS"] = "-1" }));

        Assert.Contains("Tidings:Http:Host", error.Message);
        Assert.Contains("Tidings:Amqp:Port", error.Message);
        Assert.Contains("Tidings:ShutdownTimeoutSeconds", error.Message);
    }

    [Fact]
    public void Value_of_the_wrong_type_names_its_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => ServerOptions([], new Hashtable { ["TIDINGS__HTTP__PORT"] = "eighty" }));

        Assert.Contains("Tidings:Http:Port", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Malformed_json_file_is_reported_with_its_path()
    {
        _directory.WriteFile("tidings.json", """{ "Tidings": { "Http": """);

        var error = Assert.Throws<ConfigurationException>(() => ServerOptions([]));

        Assert.Contains(_directory.Combine("tidings.json"), error.Message);
    }

    [Fact]
    public void Every_listener_reads_its_endpoint_from_its_own_config_section()
    {
        foreach (var listener in Listeners.All)
        {
            var options = ServerOptions([], new Hashtable { [$"TIDINGS__{listener.ConfigSection.ToUpperInvariant()}__PORT"] = "4321" });

            Assert.Equal(4321, listener.Endpoint(options).Port);
        }
    }

    [Fact]
    public void Example_tidings_json_at_the_repository_root_holds_only_the_built_in_defaults()
    {
        // The example documents the format; running from the repository root reads it, which must change nothing.
        var example = Path.Combine(RepositoryRoot(), "tidings.json");
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(example);

        var server = ServerConfiguration.BindServerOptions(configuration);
        var broker = ServerConfiguration.BindBrokerOptions(configuration, server, _directory.Path);

        Assert.Equivalent(new TidingsServerOptions(), server, strict: true);
        var defaultBroker = new BrokerOptions { DataDirectory = Path.GetFullPath(new BrokerOptions().DataDirectory, _directory.Path) };
        Assert.Equivalent(defaultBroker, broker, strict: true);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tidings.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Tidings.slnx above {AppContext.BaseDirectory}");
    }
}
