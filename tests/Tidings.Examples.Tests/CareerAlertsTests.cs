using Microsoft.AspNetCore.Builder;
using RabbitMQ.Client;
using Tidings.Examples.CareerAlerts;
using Tidings.Server.Hosting;

namespace Tidings.Examples.Tests;

/// <summary>The career-alerts job end to end against `tidings serve`, across a broker restart.</summary>
public sealed class CareerAlertsTests : IDisposable
{
    private readonly TempDirectory _data = new("tidings-example");

    public void Dispose() => _data.Dispose();

    private WebApplication Broker() =>
        TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _data.Path, "--log-level", "warning"]);

    private static async Task<(IConnection, AlertsService)> ConnectAsync(WebApplication app)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var alerts = new AlertsService(channel);
        await alerts.SetUpAsync();
        return (connection, alerts);
    }

    [Fact]
    public async Task Users_get_their_topics_and_urgent_messages_and_nothing_is_lost_across_a_restart()
    {
        await using (var app = Broker())
        {
            await app.StartAsync();
            var (connection, alerts) = await ConnectAsync(app);
            await alerts.AddUserAsync("ada");
            await alerts.AddUserAsync("grace");
            await alerts.SubscribeAsync("ada", "jobs.backend.#");
            await alerts.SubscribeAsync("grace", "jobs.*.remote");
            await alerts.SubscribeAsync("grace", "jobs.backend.#");
            await alerts.PublishAsync("jobs.backend.dotnet", "backend .NET");
            await alerts.UnsubscribeAsync("grace", "jobs.backend.#"); // changes her mind at run time
            await alerts.PublishAsync("jobs.backend.go", "backend Go");
            await alerts.PublishAsync("jobs.frontend.remote", "frontend remote");
            await alerts.PublishUrgentAsync("maintenance tonight");
            await connection.CloseAsync();
            await app.StopAsync();
        }

        // A restart: bindings and unread alerts are still there.
        await using (var app = Broker())
        {
            await app.StartAsync();
            var (connection, alerts) = await ConnectAsync(app);
            Assert.Equal(["backend .NET", "backend Go", "maintenance tonight"], await alerts.DrainAsync("ada"));
            Assert.Equal(["backend .NET", "frontend remote", "maintenance tonight"], await alerts.DrainAsync("grace"));
            await alerts.PublishAsync("jobs.backend.rust", "backend Rust");
            Assert.Equal(["backend Rust"], await alerts.DrainAsync("ada"));
            Assert.Empty(await alerts.DrainAsync("grace"));
            await connection.CloseAsync();
            await app.StopAsync();
        }
    }
}
