using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>The server host serves the logging-queue API under /logqueue, and at the root of its own listener once enabled.</summary>
public sealed class LogQueueHostTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Host_serves_logqueue_under_the_http_port_and_at_the_root_of_its_enabled_listener()
    {
        await using var app = TidingsHost.Build(
            ["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--logqueue-port", "0",
             "--data-dir", _directory.Combine("data"), "--log-level", "warning"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Tidings:LogQueue:Enabled"] = "true" }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{app.GetListenerEndpoint("http")}/logqueue/") };
        using var root = new HttpClient { BaseAddress = new Uri($"http://{app.GetListenerEndpoint("logqueue")}/") };

        using var created = await http.PostAsync("topics", new StringContent("{\"name\": \"logs\"}", Encoding.UTF8, "application/json"), timeout.Token);
        using var listed = await root.GetAsync("topics", timeout.Token);
        string body = await listed.Content.ReadAsStringAsync(timeout.Token);
        await app.StopAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal("""{"status":"success","topics":["logs"]}""", body);
    }

    [Fact]
    public async Task The_own_listener_is_off_by_default()
    {
        await using var app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0",
            "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);
        await app.StartAsync();

        Assert.Throws<ArgumentException>(() => app.GetListenerEndpoint("logqueue"));
        await app.StopAsync();
    }
}
