using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Server.Tests.Tls;

/// <summary>Real TLS clients (RabbitMQ.Client, curl) against amqps and HTTPS listeners of one server.</summary>
public sealed class TlsListenerTests(TlsServer server) : IClassFixture<TlsServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private ConnectionFactory Amqps() => new()
    {
        HostName = "127.0.0.1",
        Port = server.AmqpsPort,
        Ssl = new SslOption
        {
            Enabled = true,
            ServerName = "localhost",
            CertificateValidationCallback = (_, certificate, _, errors) => server.Certificates.Validate(certificate, errors),
        },
    };

    [Fact]
    public async Task RabbitMQ_client_over_amqps_trusting_the_test_CA_publishes_and_consumes()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var connection = await Amqps().CreateConnectionAsync(timeout.Token);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: timeout.Token)).QueueName;
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(delivery.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer, timeout.Token);

        await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes("over tls"), timeout.Token);

        Assert.Equal("over tls", await received.Task.WaitAsync(timeout.Token));
        Assert.Equal("localhost", connection.Endpoint.Ssl.ServerName);
        Assert.True(connection.Endpoint.Ssl.Enabled);
    }

    [Fact]
    public async Task RabbitMQ_client_that_does_not_trust_the_certificate_is_refused()
    {
        var factory = Amqps();
        factory.Ssl.CertificateValidationCallback = null; // the system's roots, which do not hold the test CA
        using var timeout = new CancellationTokenSource(Timeout);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => factory.CreateConnectionAsync(timeout.Token));

        var causes = new List<Exception>();
        for (Exception? e = error; e is not null; e = e.InnerException) causes.Add(e);
        Assert.Contains(causes, e => e is System.Security.Authentication.AuthenticationException);
    }

    [Fact]
    public async Task Curl_with_the_test_CA_gets_the_overview_over_https()
    {
        var (exitCode, output, error) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/overview");

        Assert.True(exitCode == 0, $"curl exited {exitCode}: {error}");
        using var overview = JsonDocument.Parse(output);
        Assert.Equal("Tidings", overview.RootElement.GetProperty("product_name").GetString());
    }

    [Fact]
    public async Task Overview_lists_amqp_amqp_ssl_https_mqtt_mqtt_ssl_and_sqs_ssl_with_their_ports_and_addresses()
    {
        var (exitCode, output, error) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/overview");
        Assert.True(exitCode == 0, $"curl exited {exitCode}: {error}");
        using var overview = JsonDocument.Parse(output);

        var listeners = overview.RootElement.GetProperty("listeners").EnumerateArray()
            .Select(l => (Protocol: l.GetProperty("protocol").GetString(), Address: l.GetProperty("ip_address").GetString(), Port: l.GetProperty("port").GetInt32()))
            .ToList();
        Assert.Equal(
            [("amqp", "127.0.0.1", server.AmqpPort), ("amqp/ssl", "127.0.0.1", server.AmqpsPort), ("https", "127.0.0.1", server.HttpsPort),
                ("mqtt", "127.0.0.1", server.MqttPort), ("mqtt/ssl", "127.0.0.1", server.MqttsPort), ("sqs/ssl", "127.0.0.1", server.SqsPort)],
            listeners);
        var context = Assert.Single(overview.RootElement.GetProperty("contexts").EnumerateArray());
        Assert.Equal(server.HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), context.GetProperty("port").GetString());
    }

    [Fact]
    public async Task The_SQS_API_answers_over_https_with_https_queue_urls()
    {
        var (exitCode, output, error) = await CurlAsync($"https://127.0.0.1:{server.SqsPort}/?Action=CreateQueue&QueueName=secure&Version=2012-11-05");
        Assert.True(exitCode == 0, $"curl exited {exitCode}: {error}");
        Assert.Contains($"<QueueUrl>https://127.0.0.1:{server.SqsPort}/000000000000/secure</QueueUrl>", output);
        var (untrusted, _, _) = await CurlAsync($"https://127.0.0.1:{server.SqsPort}/?Action=ListQueues", trustTestCa: false);
        Assert.NotEqual(0, untrusted);
    }

    [Theory]
    [InlineData("protocol-listener/amqps")]
    [InlineData("protocol-listener/amqp,amqps,https")]
    [InlineData("protocol-listener/https")]
    [InlineData("protocol-listener/amqp")]
    public async Task Protocol_listener_health_checks_find_the_tls_listeners(string check)
    {
        var (exitCode, output, error) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/health/checks/{check}");

        Assert.True(exitCode == 0, $"curl exited {exitCode}: {error} {output}");
        Assert.Contains("\"status\":\"ok\"", output);
    }

    [Fact]
    public async Task Certificate_expiration_check_fails_only_when_the_certificate_expires_within_the_period()
    {
        // The test certificate is valid for one day.
        var (_, soon, _) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/health/checks/certificate-expiration/0/days");
        var (_, later, _) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/health/checks/certificate-expiration/2/days", keepErrorBody: true);
        var (_, badUnit, _) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/health/checks/certificate-expiration/2/fortnights", keepErrorBody: true);

        Assert.Contains("\"status\":\"ok\"", soon);
        Assert.Contains("\"status\":\"failed\"", later);
        Assert.Contains("Certificates expiring", later);
        Assert.Contains("\"protocol\":\"amqp\"", later);
        Assert.Contains("\"protocol\":\"http\"", later);
        Assert.Contains("bad_request", badUnit);
    }

    [Fact]
    public async Task Curl_without_the_test_CA_fails_to_verify_the_server()
    {
        var (exitCode, _, _) = await CurlAsync($"https://127.0.0.1:{server.HttpsPort}/api/overview", trustTestCa: false);

        Assert.Equal(60, exitCode); // CURLE_PEER_FAILED_VERIFICATION
    }

    [Fact]
    public async Task Plain_amqp_to_the_tls_port_is_closed_and_the_broker_serves_both_ports_afterwards()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using (var plain = new TcpClient())
        {
            await plain.ConnectAsync(IPAddress.Loopback, server.AmqpsPort, timeout.Token);
            var stream = plain.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token);
            var received = await ReadToEndAsync(stream, timeout.Token);
            // No AMQP Connection.Start (frame type 1) comes back: at most a TLS alert record (0x15), then the close.
            Assert.True(received.Length == 0 || received[0] == 0x15, $"got {Convert.ToHexString(received)}");
        }

        var plainFactory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using (var connection = await plainFactory.CreateConnectionAsync(timeout.Token))
        {
            Assert.True(connection.IsOpen);
        }
        await using (var connection = await Amqps().CreateConnectionAsync(timeout.Token))
        {
            Assert.True(connection.IsOpen);
        }
    }

    /// <summary>Bytes until the server closes; a reset counts as closed.</summary>
    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }
        return received.ToArray();
    }

    /// <summary>Runs curl; a machine without curl fails the test (Process.Start throws) rather than skipping it.</summary>
    private async Task<(int ExitCode, string Output, string Error)> CurlAsync(string url, bool trustTestCa = true, bool keepErrorBody = false)
    {
        var start = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--silent", "--show-error", keepErrorBody ? "--fail-with-body" : "--fail", "--max-time", "20", "--user", "guest:guest" })
        {
            start.ArgumentList.Add(argument);
        }
        if (trustTestCa)
        {
            start.ArgumentList.Add("--cacert");
            start.ArgumentList.Add(server.Certificates.AuthorityFile);
        }
        start.ArgumentList.Add(url);
        using var curl = Process.Start(start) ?? throw new InvalidOperationException("curl did not start");
        var output = curl.StandardOutput.ReadToEndAsync();
        var error = curl.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await curl.WaitForExitAsync(timeout.Token);
        return (curl.ExitCode, await output, await error);
    }
}
