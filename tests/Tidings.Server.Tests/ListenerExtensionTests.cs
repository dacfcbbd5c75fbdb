using System.Buffers;
using System.Collections;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tidings.Core;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>
/// What the AMQP listener will do, done by a toy protocol: a second Kestrel endpoint served by a
/// ConnectionHandler, with its own settings class bound from its section.
/// </summary>
public sealed class ListenerExtensionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private sealed class EchoOptions
    {
        public int Port { get; set; }

        public string Host { get; set; } = "127.0.0.1";

        public string Greeting { get; set; } = "hello";
    }

    /// <summary>Writes the configured greeting, then echoes what it reads; sees the broker and its options through DI.</summary>
    private sealed class EchoConnectionHandler(Broker broker, IOptions<EchoOptions> options) : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            await connection.Transport.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{options.Value.Greeting} from {broker.Options.NodeName}\n"));
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    await connection.Transport.Output.WriteAsync(segment);
                }
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    [Fact]
    public async Task A_listener_entry_opens_a_connection_handler_endpoint_with_its_settings_bound_from_its_section()
    {
        var http = Listeners.All.Single(l => l.Name == "http");
        var echo = new ListenerDefinition("echo", "echo listener", "echo", "Echo", _ => new EndpointOptions { Port = 0 }, l => l.UseConnectionHandler<EchoConnectionHandler>())
        {
            Settings = ListenerSettings.For<EchoOptions>(),
        };
        var environment = new Hashtable { ["TIDINGS__ECHO__GREETING"] = "hi" }; // a key only EchoOptions knows
        var serve = ArgumentParser.Parse(ServeCommand.Verb, ["--http-port", "0", "--amqp-port", "0", "--data-dir", _directory.Combine("data"), "--node-name", "n1", "--log-level", "warning"]);
        await using var app = TidingsHost.Build(serve, configure: null, environment, _directory.Path, [http, echo]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await app.StartAsync(timeout.Token);
        using var client = new TcpClient();
        await client.ConnectAsync(app.GetListenerEndpoint("echo"), timeout.Token);
        using var reader = new StreamReader(client.GetStream());
        var greeting = await reader.ReadLineAsync(timeout.Token);
        await client.GetStream().WriteAsync("ping\n"u8.ToArray(), timeout.Token);
        var echoed = await reader.ReadLineAsync(timeout.Token);
        client.Close();
        await app.StopAsync(timeout.Token);

        Assert.Equal("hi from n1", greeting);
        Assert.Equal("ping", echoed);
        Assert.Equal("hi", app.Services.GetRequiredService<IOptions<EchoOptions>>().Value.Greeting);
        Assert.NotEqual(app.GetListenerEndpoint("http"), app.GetListenerEndpoint("echo"));
    }
}
