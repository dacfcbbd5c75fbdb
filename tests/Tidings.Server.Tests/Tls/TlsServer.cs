using System.Collections;
using Microsoft.AspNetCore.Builder;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests.Tls;

/// <summary>
/// One server for the TLS tests: plain AMQP and MQTT, amqps, mqtts, HTTPS and the SQS API over HTTPS on ports the OS picked on
/// 127.0.0.1, with a certificate from <see cref="TestCertificates"/>, configured through
/// TIDINGS__ variables as an operator would.
/// </summary>
public sealed class TlsServer : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _app;

    internal TestCertificates Certificates { get; private set; } = null!;

    public WebApplication App => _app ?? throw new InvalidOperationException("not started");

    public int AmqpPort => App.GetListenerEndpoint("amqp").Port;

    public int AmqpsPort => App.GetListenerEndpoint("amqps").Port;

    public int MqttPort => App.GetListenerEndpoint("mqtt").Port;

    public int MqttsPort => App.GetListenerEndpoint("mqtts").Port;

    public int HttpsPort => App.GetListenerEndpoint("http").Port;

    /// <summary>The SQS API, served over HTTPS here.</summary>
    public int SqsPort => App.GetListenerEndpoint("sqs").Port;

    public async Task InitializeAsync()
    {
        Certificates = TestCertificates.Create(_directory.Path);
        var environment = new Hashtable
        {
            ["TIDINGS__AMQPS__ENABLED"] = "true",
            ["TIDINGS__MQTTS__ENABLED"] = "true",
            ["TIDINGS__HTTP__TLS"] = "true",
            ["TIDINGS__SQS__TLS"] = "true",
            ["TIDINGS__TLS__CERTIFICATEFILE"] = Certificates.CertificateFile,
            ["TIDINGS__TLS__KEYFILE"] = Certificates.KeyFile,
        };
        var serve = ArgumentParser.Parse(ServeCommand.Verb,
            ["--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--amqps-port", "0", "--mqtts-port", "0", "--http-port", "0", "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);
        _app = TidingsHost.Build(serve, configure: null, environment, _directory.Path, Listeners.All);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Certificates?.Dispose();
        _directory.Dispose();
    }
}
