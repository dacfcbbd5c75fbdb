using Microsoft.AspNetCore.Builder;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>`tidings publish` and `tidings consume` against a broker hosted in-process.</summary>
public sealed class ClientVerbTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _app;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);
        await _app.StartAsync();
        _url = $"amqp://guest:guest@{_app.GetListenerEndpoint("amqp")}/";
    }

    public async Task DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await CommandLine.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Published_messages_are_printed_by_consume_in_order()
    {
        var declare = await RunAsync("consume", "--url", _url, "--queue", "jobs", "--declare", "--timeout", "1");
        Assert.Equal(ExitCodes.Failure, declare.ExitCode); // nothing to read yet: times out after declaring

        for (int i = 1; i <= 3; i++)
        {
            var publish = await RunAsync("publish", "--url", _url, "--routing-key", "jobs", $"job {i}");
            Assert.Equal(ExitCodes.Success, publish.ExitCode);
        }
        var consume = await RunAsync("consume", "--url", _url, "--queue", "jobs", "--count", "3", "--timeout", "10");

        Assert.Equal(ExitCodes.Success, consume.ExitCode);
        Assert.Equal(["job 1", "job 2", "job 3"], consume.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Publishing_a_mandatory_message_nobody_can_receive_fails_with_no_route()
    {
        var result = await RunAsync("publish", "--url", _url, "--routing-key", "no-such-queue", "--mandatory", "lost");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("NO_ROUTE", result.Error);
    }

    [Fact]
    public async Task Consuming_a_missing_queue_reports_the_broker_404()
    {
        var result = await RunAsync("consume", "--url", _url, "--queue", "missing", "--timeout", "5");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("NOT_FOUND - no queue 'missing' in vhost '/'", result.Error);
    }
}
