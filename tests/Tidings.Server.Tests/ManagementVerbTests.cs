using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Security;
using Tidings.Server.Cli;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>
/// `tidings queues|exchanges|connections|definitions` against a broker hosted in-process, through
/// its management API as a separate process would reach it.
/// </summary>
public sealed partial class ManagementVerbTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _app;
    private string _api = "";
    private int _amqpPort;

    private Broker Broker => _app!.Services.GetRequiredService<Broker>();

    public async Task InitializeAsync()
    {
        _app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _directory.Combine("data"), "--log-level", "warning"]);
        await _app.StartAsync();
        _api = $"http://{_app.GetListenerEndpoint("http")}";
        _amqpPort = _app.GetListenerEndpoint("amqp").Port;
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

    /// <summary>Runs a verb that should succeed and returns its output lines.</summary>
    private async Task<string[]> RunOkAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--api-url", _api]);
        Assert.True(result.ExitCode == ExitCodes.Success, $"exit {result.ExitCode}: {result.Error}");
        Assert.Empty(result.Error);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private Task<IConnection> ConnectAsync(string name) =>
        new ConnectionFactory { HostName = "127.0.0.1", Port = _amqpPort, ClientProvidedName = name }.CreateConnectionAsync();

    [Fact]
    public async Task Queues_prints_an_aligned_table_of_counts_sorted_by_name()
    {
        var vhost = Broker.DefaultVirtualHost;
        vhost.DeclareQueue("orders", durable: true);
        vhost.DeclareQueue("busy");
        vhost.DeclareQueue("audit");
        for (int i = 0; i < 3; i++) vhost.Publish("", "orders", new MessageProperties(), "order"u8.ToArray());
        await using var connection = await ConnectAsync("test");
        await using var channel = await connection.CreateChannelAsync();
        Assert.NotNull(await channel.BasicGetAsync("orders", autoAck: false)); // one unacked
        await channel.BasicConsumeAsync("busy", autoAck: false, new AsyncDefaultBasicConsumer(channel));

        var lines = await RunOkAsync("queues");

        Assert.Equal(["name", "messages", "ready", "unacked", "consumers", "durable"], Cells(lines[0]));
        Assert.Equal(["audit", "0", "0", "0", "0", "false"], Cells(lines[1]));
        Assert.Equal(["busy", "0", "0", "0", "1", "false"], Cells(lines[2]));
        Assert.Equal(["orders", "3", "2", "1", "0", "true"], Cells(lines[3]));
        Assert.Equal(4, lines.Length);
        // Numbers are right-aligned under their header, the last column starts under its header.
        int consumersEnd = lines[0].IndexOf("consumers", StringComparison.Ordinal) + "consumers".Length;
        int durableStart = lines[0].IndexOf("durable", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), line =>
        {
            Assert.NotEqual(' ', line[consumersEnd - 1]);
            Assert.Equal(' ', line[consumersEnd]);
            Assert.NotEqual(' ', line[durableStart]);
            Assert.Equal(' ', line[durableStart - 1]);
        });
    }

    [Fact]
    public async Task Queues_of_a_vhost_with_a_slash_in_its_name_are_fetched_with_the_name_percent_encoded()
    {
        Broker.AddVirtualHost("team/a").DeclareQueue("jobs");
        Broker.FindUser("guest")!.SetPermissions("team/a", VhostPermissions.All);
        Broker.DefaultVirtualHost.DeclareQueue("elsewhere");

        var lines = await RunOkAsync("queues", "--vhost", "team/a");

        Assert.Equal(2, lines.Length);
        Assert.Equal("jobs", Cells(lines[1])[0]);
    }

    [Fact]
    public async Task Exchanges_lists_type_and_flags_with_the_default_exchange_named_as_rabbitmq_shows_it()
    {
        var vhost = Broker.DefaultVirtualHost;
        vhost.DeclareExchange("events", "topic", durable: true);
        vhost.DeclareExchange("hidden", "fanout", autoDelete: true, isInternal: true);

        var lines = await RunOkAsync("exchanges");

        Assert.Equal(["name", "type", "durable", "auto_delete", "internal"], Cells(lines[0]));
        var rows = lines.Skip(1).ToList();
        Assert.StartsWith("(AMQP default)  ", rows[0]);
        Assert.Equal(["(AMQP", "default)", "direct", "true", "false", "false"], Cells(rows[0]));
        Assert.Contains(rows, r => Cells(r) is ["amq.topic", "topic", "true", "false", "false"]);
        Assert.Contains(rows, r => Cells(r) is ["events", "topic", "true", "false", "false"]);
        Assert.Contains(rows, r => Cells(r) is ["hidden", "fanout", "false", "true", "true"]);
        Assert.Equal(8, rows.Count); // default, amq.direct/fanout/headers/match/topic, events, hidden
    }

    [Fact]
    public async Task Connections_lists_user_vhost_channels_and_peer_address()
    {
        await using var connection = await ConnectAsync("billing");
        await using var first = await connection.CreateChannelAsync();
        await using var second = await connection.CreateChannelAsync();

        var lines = await RunOkAsync("connections");

        Assert.Equal(["name", "user", "vhost", "channels", "peer"], Cells(lines[0]));
        var row = Assert.Single(lines.Skip(1));
        var cells = Cells(row);
        Assert.Equal(["guest", "/", "2", $"127.0.0.1:{connection.LocalPort}"], cells[^4..]);
    }

    [Fact]
    public async Task Definitions_exported_to_a_file_and_imported_again_recreate_the_topology()
    {
        var vhost = Broker.DefaultVirtualHost;
        vhost.DeclareQueue("orders", durable: true, arguments: new Dictionary<string, object?> { ["x-max-length"] = 10L });
        vhost.DeclareExchange("events", "topic", durable: true);
        vhost.BindQueue("orders", "events", "order.*");
        string file = _directory.Combine("definitions.json");

        var export = await RunOkAsync("definitions", "export", "--file", file);

        Assert.Equal([$"exported definitions to {file}"], export);
        using (var document = JsonDocument.Parse(File.ReadAllText(file)))
        {
            var root = document.RootElement;
            Assert.Contains(root.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == "orders");
            Assert.Contains(root.GetProperty("exchanges").EnumerateArray(), x => x.GetProperty("name").GetString() == "events");
            Assert.Contains(root.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("routing_key").GetString() == "order.*");
        }

        vhost.DeleteQueue("orders");
        vhost.DeleteExchange("events");
        var import = await RunOkAsync("definitions", "import", "--file", file);

        Assert.Equal([$"imported definitions from {file}"], import);
        var queue = vhost.FindQueue("orders");
        Assert.NotNull(queue);
        Assert.True(queue.Durable);
        Assert.Equal(10, queue.Settings.MaxLength);
        Assert.Equal("topic", vhost.FindExchange("events")?.Type);
        Assert.Contains(vhost.Bindings, b => b.Source.Name == "events" && b.Destination == queue && b.RoutingKey == "order.*");
    }

    [Fact]
    public async Task Definitions_export_writes_indented_json_to_stdout_by_default()
    {
        Broker.DefaultVirtualHost.DeclareQueue("orders", durable: true);

        var result = await RunAsync("definitions", "export", "--api-url", _api);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.StartsWith("{" + Environment.NewLine + "  \"", result.Output);
        using var document = JsonDocument.Parse(result.Output);
        Assert.Contains(document.RootElement.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == "orders");
        Assert.Contains(document.RootElement.GetProperty("users").EnumerateArray(), u => u.GetProperty("name").GetString() == "guest");
    }

    [Fact]
    public async Task Definitions_of_one_vhost_leave_out_users_and_other_vhosts()
    {
        Broker.DefaultVirtualHost.DeclareQueue("orders", durable: true);
        Broker.AddVirtualHost("other").DeclareQueue("elsewhere", durable: true);
        Broker.FindUser("guest")!.SetPermissions("other", VhostPermissions.All);

        var result = await RunAsync("definitions", "export", "--vhost", "/", "--api-url", _api);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        Assert.False(document.RootElement.TryGetProperty("users", out _));
        Assert.Equal(["orders"], document.RootElement.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Definitions_import_refuses_a_file_that_is_not_json_without_calling_the_broker()
    {
        _directory.WriteFile("broken.json", "{\"queues\": [");

        var result = await RunAsync("definitions", "import", "--file", _directory.Combine("broken.json"), "--api-url", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("broken.json is not a definitions file", result.Error);
    }

    [Theory]
    [InlineData(new[] { "definitions" }, "expected a sub-command: export or import")]
    [InlineData(new[] { "definitions", "restore" }, "unknown sub-command 'restore'")]
    [InlineData(new[] { "definitions", "import" }, "import needs --file")]
    public async Task Definitions_without_a_valid_sub_command_is_a_usage_error(string[] args, string message)
    {
        var result = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public async Task A_wrong_password_exits_1_with_the_apis_401_reason_on_one_line()
    {
        var result = await RunAsync("queues", "--api-url", _api, "--password", "wrong");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal("tidings queues: GET /api/queues/%2F failed: 401 not_authorised: Login failed", result.Error.TrimEnd());
    }

    [Fact]
    public async Task A_missing_vhost_reports_the_apis_404()
    {
        var result = await RunAsync("exchanges", "--api-url", _api, "--vhost", "nowhere");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("tidings exchanges: GET /api/exchanges/nowhere failed: 404", result.Error);
    }

    [Fact]
    public async Task An_unreachable_api_exits_1_naming_the_address()
    {
        var result = await RunAsync("connections", "--api-url", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("tidings connections: cannot reach the management API at http://127.0.0.1:1/: ", result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>The table layout of the management verbs, without a broker.</summary>
public sealed class ManagementVerbTableTests
{
    [Fact]
    public void Columns_are_padded_to_the_widest_cell_numbers_right_aligned_and_lines_have_no_trailing_space()
    {
        var table = new TableWriter(new TableColumn("name"), new TableColumn("count", AlignRight: true), new TableColumn("note"));
        table.AddRow("a", "5", "");
        table.AddRow("longer-name", "12345", "x");
        using var output = new StringWriter();

        table.Write(output);

        Assert.Equal(
            ["name         count  note", "a                5", "longer-name  12345  x"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Control_characters_in_cells_are_escaped_so_a_row_stays_on_one_line()
    {
        var table = new TableWriter(new TableColumn("name"));
        table.AddRow("two\nlines\ttab");
        using var output = new StringWriter();

        table.Write(output);

        Assert.Equal(["name", "two\\nlines\\ttab"], output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
