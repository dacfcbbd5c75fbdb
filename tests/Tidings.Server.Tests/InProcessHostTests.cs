using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Core;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

public sealed class InProcessHostTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private sealed record Health(string Status);

    [Fact]
    public async Task Host_built_with_port_0_serves_the_node_health_check_on_the_bound_port()
    {
        var dataDirectory = _directory.Combine("data");
        await using var app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", dataDirectory, "--log-level", "warning"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await app.StartAsync(timeout.Token);
        var endpoint = app.GetListenerEndpoint("http");
        using var client = new HttpClient { BaseAddress = new Uri($"http://{endpoint}") };
        // Health checks need a management user, as in RabbitMQ; guest is one from loopback.
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8));
        using var response = await client.GetAsync("/api/healthchecks/node", timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        await app.StopAsync(timeout.Token);

        Assert.Equal(IPAddress.Loopback, endpoint.Address);
        Assert.NotEqual(0, endpoint.Port);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"status":"ok"}""", body);
        Assert.True(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task Host_registers_one_broker_built_from_the_configured_options()
    {
        await using var app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("d"), "--node-name", "n7"]);

        var broker = app.Services.GetRequiredService<Broker>();

        Assert.Same(broker, app.Services.GetRequiredService<Broker>());
        Assert.Equal("n7", broker.Options.NodeName);
        Assert.Equal(_directory.Combine("d"), broker.Options.DataDirectory);
    }

    [Fact]
    public async Task Configure_callback_sees_the_builder_and_its_configuration_wins_over_flags()
    {
        var called = false;
        await using var app = TidingsHost.Build(
            ["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("d"), "--node-name", "from-flag"],
            builder =>
            {
                called = true;
                builder.Configuration.AddInMemoryCollection([new("Tidings:NodeName", "from-callback")]);
            });

        Assert.True(called);
        Assert.Equal("from-callback", app.Services.GetRequiredService<Broker>().Options.NodeName);
    }
}
