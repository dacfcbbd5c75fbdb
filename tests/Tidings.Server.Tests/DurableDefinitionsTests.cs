using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Tidings.Core;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>Durable exchanges, queues and bindings declared by clients are there again after a restart.</summary>
public sealed class DurableDefinitionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private WebApplication Host() =>
        TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);

    [Fact]
    public async Task Durable_topology_declared_over_amqp_survives_a_clean_restart_and_transient_topology_does_not()
    {
        await using (var app = Host())
        {
            await app.StartAsync();
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port };
            await using (var connection = await factory.CreateConnectionAsync())
            await using (var channel = await connection.CreateChannelAsync())
            {
                await channel.ExchangeDeclareAsync("alerts", ExchangeType.Topic, durable: true);
                await channel.QueueDeclareAsync("user-42", durable: true, exclusive: false, autoDelete: false);
                await channel.QueueBindAsync("user-42", "alerts", "jobs.#");
                await channel.QueueDeclareAsync("scratch", durable: false, exclusive: false, autoDelete: false);
            }
            await app.StopAsync();
        }

        await using var restarted = Host();
        await restarted.StartAsync();
        var vhost = restarted.Services.GetRequiredService<Broker>().DefaultVirtualHost;

        Assert.Equal("topic", vhost.FindExchange("alerts")?.Type);
        Assert.NotNull(vhost.FindQueue("user-42"));
        Assert.Contains(vhost.FindExchange("alerts")!.Bindings, b => b.RoutingKey == "jobs.#" && b.Destination.Name == "user-42");
        Assert.Null(vhost.FindQueue("scratch"));
        await restarted.StopAsync();
    }

    [Fact]
    public async Task Binary_arguments_declared_over_amqp_are_byte_for_byte_the_same_after_a_restart()
    {
        byte[] notUtf8 = [0xff, 0x00, 0x80, 0xc3];
        byte[] bytes = [0x01, 0x02, 0xfe];
        // The .NET client sends a byte[] as a long string ('S'), here one that is not UTF-8, and a
        // BinaryTableValue as a byte array ('x').
        Dictionary<string, object?> Arguments() => new() { ["x-raw"] = notUtf8.ToArray(), ["x-bytes"] = new BinaryTableValue(bytes.ToArray()) };
        await using (var app = Host())
        {
            await app.StartAsync();
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port };
            await using (var connection = await factory.CreateConnectionAsync())
            await using (var channel = await connection.CreateChannelAsync())
            {
                await channel.ExchangeDeclareAsync("bin.x", ExchangeType.Headers, durable: true, autoDelete: false, arguments: Arguments());
                await channel.QueueDeclareAsync("bin.q", durable: true, exclusive: false, autoDelete: false, arguments: Arguments());
                await channel.QueueBindAsync("bin.q", "bin.x", "", new Dictionary<string, object?> { ["x-match"] = "any", ["k"] = notUtf8.ToArray() });
            }
            await app.StopAsync();
        }

        await using var restarted = Host();
        await restarted.StartAsync();
        var vhost = restarted.Services.GetRequiredService<Broker>().DefaultVirtualHost;
        foreach (var arguments in new[] { vhost.FindQueue("bin.q")!.Arguments, vhost.FindExchange("bin.x")!.Arguments })
        {
            Assert.Equal(notUtf8, Assert.IsType<Tidings.Core.Messages.RawText>(arguments["x-raw"]).Bytes);
            Assert.Equal(bytes, Assert.IsType<byte[]>(arguments["x-bytes"]));
        }
        Assert.Equal(notUtf8, Assert.IsType<Tidings.Core.Messages.RawText>(Assert.Single(vhost.FindExchange("bin.x")!.Bindings).Arguments["k"]).Bytes);
        // The application redeclares at start-up: still equivalent, so no PRECONDITION_FAILED.
        var again = new ConnectionFactory { HostName = "127.0.0.1", Port = restarted.GetListenerEndpoint("amqp").Port };
        await using (var connection = await again.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync("bin.x", ExchangeType.Headers, durable: true, autoDelete: false, arguments: Arguments());
            await channel.QueueDeclareAsync("bin.q", durable: true, exclusive: false, autoDelete: false, arguments: Arguments());
        }
        await restarted.StopAsync();
    }

    [UnixFact]
    public async Task Durable_queues_survive_kill_9()
    {
        var data = _directory.Combine("data");
        using (var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", data))
        {
            var line = await server.WaitForMessageAsync("(AMQP listener)", TimeSpan.FromSeconds(30));
            int port = int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"amqp://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = port };
            await using (var connection = await factory.CreateConnectionAsync())
            await using (var channel = await connection.CreateChannelAsync())
                await channel.QueueDeclareAsync("orders", durable: true, exclusive: false, autoDelete: false);
            // Definitions reach the disk within DefinitionsPersister.MaxDelay; give it a few times that.
            string file = Path.Combine(data, "definitions.json");
            for (int i = 0; i < 50 && !(File.Exists(file) && File.ReadAllText(file).Contains("\"orders\"")); i++) await Task.Delay(50);
            server.KillHard();
        }

        await using var restarted = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", data, "--log-level", "warning"]);
        await restarted.StartAsync();
        Assert.NotNull(restarted.Services.GetRequiredService<Broker>().DefaultVirtualHost.FindQueue("orders"));
        await restarted.StopAsync();
    }
}
