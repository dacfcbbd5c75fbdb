using System.Text.RegularExpressions;
using Tidings.Server.Cli;

namespace Tidings.Server.Tests;

public sealed class CommandLineTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_lists_every_verb_and_every_flag_with_its_default_config_key_and_env_var(string helpArgument)
    {
        var (exitCode, rawOutput, error) = await RunAsync(helpArgument);
        // Descriptions wrap; compare with line breaks and indentation folded into single spaces.
        var output = Regex.Replace(rawOutput, @"\s+", " ");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Empty(error);
        foreach (var verb in Verbs.All)
        {
            Assert.Contains($" {verb.Name} ", output);
            Assert.Contains(verb.Summary, output);
            foreach (var flag in verb.Flags)
            {
                Assert.Contains(flag.Name, output);
                Assert.Contains(flag.Description, output);
                if (flag.Default is not null)
                {
                    Assert.Contains($"default: {flag.Default}", output);
                }
                if (flag.ConfigKey is not null)
                {
                    Assert.Contains($"config: {flag.ConfigKey}", output);
                    Assert.Contains($"env: {flag.EnvironmentVariable}", output);
                }
            }
            foreach (var setting in verb.Settings)
            {
                Assert.Contains($"{setting.ConfigKey} {setting.Description}", output);
                Assert.Contains($"default: {setting.Default}; env: {setting.EnvironmentVariable}", output);
            }
        }
    }

    [Fact]
    public void Serve_documents_every_broker_setting_with_its_default()
    {
        // A broker option nobody can find in the help is an option nobody sets.
        var documented = ServeCommand.Verb.Settings.Select(s => s.ConfigKey)
            .Concat(ServeCommand.Verb.Flags.Select(f => f.ConfigKey))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var property in typeof(Tidings.Core.BrokerOptions).GetProperties().Where(p => p.CanWrite))
        {
            // A group of settings (LoginThrottling) is documented setting by setting.
            if (property.PropertyType.Namespace?.StartsWith("Tidings", StringComparison.Ordinal) == true && property.PropertyType.IsClass)
            {
                foreach (var nested in property.PropertyType.GetProperties().Where(p => p.CanWrite))
                    Assert.Contains($"Tidings:{property.Name}:{nested.Name}", documented);
            }
            else
            {
                Assert.Contains($"Tidings:{property.Name}", documented);
            }
        }
        var loopback = ServeCommand.Verb.Settings.Single(s => s.ConfigKey == "Tidings:LoopbackUsers");
        Assert.Equal("[guest]", loopback.Default);
        Assert.Equal("TIDINGS__LOOPBACKUSERS__0, __1, ...", loopback.EnvironmentVariable);
    }

    [Fact]
    public void Setting_descriptions_come_from_the_xml_documentation_of_the_options_class()
    {
        var user = ServeCommand.Verb.Settings.Single(s => s.ConfigKey == "Tidings:DefaultPassword");

        Assert.Equal("Password of DefaultUser.", user.Description);
    }

    [Fact]
    public void Serve_has_host_and_port_flags_for_every_listener()
    {
        foreach (var listener in Tidings.Server.Hosting.Listeners.All)
        {
            Assert.Equal($"Tidings:{listener.ConfigSection}:Host", ServeCommand.Verb.FindFlag($"--{listener.Name}-host")?.ConfigKey);
            Assert.Equal($"Tidings:{listener.ConfigSection}:Port", ServeCommand.Verb.FindFlag($"--{listener.Name}-port")?.ConfigKey);
        }
    }

    [Fact]
    public async Task Help_for_one_verb_shows_its_flags()
    {
        var (exitCode, output, _) = await RunAsync("serve", "--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Usage: tidings serve", output);
        Assert.Contains("--http-port <port>", output);
        Assert.Contains("TIDINGS__HTTP__PORT", output);
    }

    [Fact]
    public async Task Help_verb_with_a_verb_name_shows_that_verbs_help()
    {
        var (exitCode, output, _) = await RunAsync("help", "serve");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.StartsWith("Usage: tidings serve", output);
    }

    [Fact]
    public async Task No_verb_prints_help_on_stderr_and_exits_1()
    {
        var (exitCode, output, error) = await RunAsync();

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Empty(output);
        Assert.Contains("no command given", error);
        Assert.Contains("Commands:", error);
    }

    [Fact]
    public async Task Unknown_verb_exits_2_naming_it()
    {
        var (exitCode, _, error) = await RunAsync("frobnicate");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("unknown command 'frobnicate'", error);
    }

    [Fact]
    public async Task Unknown_flag_exits_2_naming_the_flag_and_the_known_ones()
    {
        var (exitCode, output, error) = await RunAsync("serve", "--http-prot", "0");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Empty(output);
        Assert.Contains("unknown flag '--http-prot'", error);
        Assert.Contains("--http-port", error);
        Assert.Contains("tidings serve --help", error);
    }

    [Theory]
    [InlineData("--http-port", "abc")]
    [InlineData("--http-port", "65536")]
    [InlineData("--http-host", "example.com")]
    [InlineData("--log-format", "xml")]
    [InlineData("--log-level", "3")]
    [InlineData("--shutdown-timeout", "-1")]
    public async Task Malformed_flag_value_exits_2_naming_the_flag(string flag, string value)
    {
        var (exitCode, _, error) = await RunAsync("serve", $"{flag}={value}");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains($"invalid value '{value}' for {flag}", error);
    }

    [Fact]
    public async Task Flag_without_its_value_exits_2()
    {
        var (exitCode, _, error) = await RunAsync("serve", "--data-dir", "--http-port", "0");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--data-dir needs a value", error);
    }

    [Fact]
    public async Task Positional_argument_to_serve_exits_2()
    {
        var (exitCode, _, error) = await RunAsync("serve", "now");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("unexpected argument 'now'", error);
    }

    [Fact]
    public async Task Missing_config_file_named_by_flag_exits_2()
    {
        var missing = Path.Combine(Path.GetTempPath(), "tidings-no-such-" + Guid.NewGuid().ToString("N") + ".json");

        var (exitCode, _, error) = await RunAsync("serve", "--config", missing);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        var (exitCode, output, _) = await RunAsync("version");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Matches(@"^tidings \d+\.\d+\.\d+", output);
    }

    [Fact]
    public void Flags_accept_both_separate_and_equals_values_and_the_last_occurrence_wins()
    {
        var parsed = ArgumentParser.Parse(ServeCommand.Verb, ["--http-port", "1", "--http-port=2", "--data-dir=/x=y"]);

        Assert.Equal("2", parsed["--http-port"]);
        Assert.Equal("/x=y", parsed["--data-dir"]);
        Assert.Contains(new KeyValuePair<string, string?>("Tidings:Http:Port", "2"), parsed.ConfigurationValues);
    }
}
