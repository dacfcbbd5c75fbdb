using System.Collections;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests.Tls;

/// <summary>TLS settings that cannot work stop the start with a message naming the setting and the file.</summary>
public sealed class TlsStartupTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static readonly string[] Ports = ["--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--amqps-port", "0", "--http-port", "0", "--log-level", "warning"];

    private ConfigurationException BuildFails(Hashtable environment)
    {
        var serve = ArgumentParser.Parse(ServeCommand.Verb, [.. Ports, "--data-dir", _directory.Combine("data")]);
        return Assert.Throws<ConfigurationException>(() => TidingsHost.Build(serve, configure: null, environment, _directory.Path, Listeners.All));
    }

    [Fact]
    public void Missing_key_file_fails_the_build_naming_the_setting_and_the_file()
    {
        using var certificates = TestCertificates.Create(_directory.Path);
        var missing = _directory.Combine("nowhere.key");

        var error = BuildFails(new Hashtable
        {
            ["TIDINGS__AMQPS__ENABLED"] = "true",
            ["TIDINGS__TLS__CERTIFICATEFILE"] = certificates.CertificateFile,
            ["TIDINGS__TLS__KEYFILE"] = missing,
        });

        Assert.Equal($"Tidings:Tls:KeyFile: the private key file '{missing}' does not exist", error.Message);
    }

    [Fact]
    public void Key_file_that_is_not_pem_fails_the_build_naming_both_files()
    {
        using var certificates = TestCertificates.Create(_directory.Path);
        var garbage = _directory.Combine("garbage.key");
        File.WriteAllText(garbage, "not a key\n");

        var error = BuildFails(new Hashtable
        {
            ["TIDINGS__HTTP__TLS"] = "true",
            ["TIDINGS__TLS__CERTIFICATEFILE"] = certificates.CertificateFile,
            ["TIDINGS__TLS__KEYFILE"] = garbage,
        });

        Assert.StartsWith($"cannot use certificate '{certificates.CertificateFile}' with key '{garbage}' (Tidings:Tls): ", error.Message);
    }

    [Fact]
    public void Tls_listener_without_certificate_settings_fails_the_build_naming_the_setting()
    {
        var error = BuildFails(new Hashtable { ["TIDINGS__HTTP__TLS"] = "true" });

        Assert.Equal("Tidings:Tls:CertificateFile must name a PEM certificate file: a listener has Tls on", error.Message);
    }

    [Fact]
    public async Task Tidings_serve_with_a_missing_key_file_exits_1_with_one_line_and_no_stack_trace()
    {
        using var certificates = TestCertificates.Create(_directory.Path);
        var missing = _directory.Combine("nowhere.key");
        var config = _directory.Combine("tls.json");
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            Tidings = new
            {
                Amqps = new { Enabled = true },
                Tls = new { CertificateFile = certificates.CertificateFile, KeyFile = missing },
            },
        }));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CommandLine.RunAsync(["serve", "--config", config, .. Ports, "--data-dir", _directory.Combine("data")], output, error);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal($"tidings serve: Tidings:Tls:KeyFile: the private key file '{missing}' does not exist{Environment.NewLine}", error.ToString());
    }

    [Fact]
    public async Task Certificate_files_are_not_read_and_amqps_stays_closed_while_no_listener_has_tls_on()
    {
        var serve = ArgumentParser.Parse(ServeCommand.Verb, [.. Ports, "--data-dir", _directory.Combine("data")]);
        var environment = new Hashtable { ["TIDINGS__TLS__CERTIFICATEFILE"] = _directory.Combine("absent.pem") };

        await using var app = TidingsHost.Build(serve, configure: null, environment, _directory.Path, Listeners.All);
        await app.StartAsync();
        var amqp = app.GetListenerEndpoint("amqp");
        var http = app.GetListenerEndpoint("http");
        await app.StopAsync();

        Assert.Throws<ArgumentException>(() => app.GetListenerEndpoint("amqps")); // off by default
        Assert.NotEqual(0, amqp.Port);
        Assert.NotEqual(0, http.Port);
    }
}
