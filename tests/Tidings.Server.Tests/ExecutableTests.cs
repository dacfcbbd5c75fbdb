using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Tidings.Server.Tests;

/// <summary>The real executable, started as a user would start it, stopped as a service manager would stop it.</summary>
public sealed partial class ExecutableTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"Listening on (?<address>http://127\.0\.0\.1:(?<port>\d+)) \(HTTP API\)")]
    private static partial Regex ListeningLine();

    [UnixFact]
    public Task Serve_on_port_0_answers_the_health_check_and_exits_0_on_SIGTERM_after_stopping_the_broker() =>
        ServeAnswersAndStopsCleanly("simple");

    [UnixFact]
    public Task Serve_with_json_logs_writes_one_json_object_per_line_and_stops_cleanly() =>
        ServeAnswersAndStopsCleanly("json");

    private async Task ServeAnswersAndStopsCleanly(string logFormat)
    {
        var dataDirectory = _directory.Combine("data");
        using var server = ServerProcess.Start(
            _directory.Path,
            "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", dataDirectory, "--log-format", logFormat);

        await server.WaitForMessageAsync("Broker started", StartTimeout);
        var listening = ListeningLine().Match(await server.WaitForMessageAsync("(HTTP API)", StartTimeout));
        Assert.True(listening.Success, server.Output);
        Assert.NotEqual("0", listening.Groups["port"].Value);
        Assert.True(Directory.Exists(dataDirectory));

        using (var client = new HttpClient { BaseAddress = new Uri(listening.Groups["address"].Value), Timeout = StartTimeout })
        {
            // Health checks need a management user, as in RabbitMQ; guest is one from loopback.
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8));
            using var response = await client.GetAsync("/api/healthchecks/node");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
        }

        server.SendSigterm();
        var exitCode = await server.WaitForExitAsync(StopTimeout);

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{server.Output}");
        var messages = server.Messages;
        var shuttingDown = IndexOf(messages, "Shutting down");
        var brokerStopped = IndexOf(messages, "Broker stopped");
        Assert.True(shuttingDown >= 0 && brokerStopped > shuttingDown, server.Output);
        if (logFormat == "json")
        {
            Assert.All(server.Lines, line => Assert.StartsWith("{", line));
        }
    }

    [UnixFact]
    public async Task Serve_exits_1_with_the_address_when_the_port_is_taken()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"));
        var exitCode = await server.WaitForExitAsync(StartTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{server.Output}");
        Assert.Contains($"Failed to start: Failed to bind to address http://127.0.0.1:{port}", server.Output);
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
