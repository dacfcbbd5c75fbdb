using Tidings.Core;
using Tidings.Core.Security;

namespace Tidings.Storage.Tests;

public sealed class DefinitionsFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-defs");

    public void Dispose()
    {
        _temp.Dispose();
    }

    private static Broker NewBroker() => new(new BrokerOptions { MemoryHighWatermarkBytes = 0 });

    [Fact]
    public void Durable_definitions_survive_a_restart_and_transient_ones_do_not()
    {
        using (var broker = NewBroker())
        {
            var vhost = broker.AddVirtualHost("jobs");
            vhost.Description = "job queues";
            var alice = broker.AddUser("alice", "s3cret", ["monitoring"]);
            alice.SetPermissions("jobs", new VhostPermissions("^alice-.*", ".*", ".*"));
            vhost.DeclareExchange("events", "topic", durable: true, arguments: new Dictionary<string, object?> { ["alternate-exchange"] = "unrouted" });
            vhost.DeclareExchange("scratch", "fanout", durable: false);
            vhost.DeclareQueue("orders", durable: true, arguments: new Dictionary<string, object?> { ["x-message-ttl"] = 60000, ["x-dead-letter-exchange"] = "events" });
            vhost.DeclareQueue("temp", durable: false);
            vhost.BindQueue("orders", "events", "order.#");
            vhost.BindQueue("temp", "events", "order.#");
            vhost.BindQueue("orders", "amq.topic", "legacy.*");
            DefinitionsFile.Save(broker, _temp.Path);
        }

        using var restarted = NewBroker();
        var problems = DefinitionsFile.Load(restarted, _temp.Path);

        Assert.Empty(problems);
        var jobs = Assert.IsType<VirtualHost>(restarted.FindVirtualHost("jobs"));
        Assert.Equal("job queues", jobs.Description);
        var user = Assert.IsType<User>(restarted.FindUser("alice"));
        Assert.True(user.CheckPassword("s3cret"));
        Assert.Equal(["monitoring"], user.Tags);
        Assert.Equal("^alice-.*", user.PermissionsFor("jobs")!.Configure);
        var events = jobs.FindExchange("events")!;
        Assert.Equal("topic", events.Type);
        Assert.Equal("unrouted", events.AlternateExchange);
        Assert.Null(jobs.FindExchange("scratch"));
        var orders = jobs.FindQueue("orders")!;
        Assert.Equal(60000L, orders.Settings.MessageTtl);
        Assert.Equal("events", orders.Settings.DeadLetterExchange);
        Assert.Null(jobs.FindQueue("temp"));
        Assert.Equal(["order.#"], events.Bindings.Select(b => b.RoutingKey));
        Assert.Contains(jobs.FindExchange("amq.topic")!.Bindings, b => b.RoutingKey == "legacy.*" && b.Destination.Name == "orders");
        // Redeclaring as the application does at start-up is still equivalent.
        jobs.DeclareQueue("orders", durable: true, arguments: new Dictionary<string, object?> { ["x-message-ttl"] = 60000, ["x-dead-letter-exchange"] = "events" });
    }

    [Fact]
    public void Binary_and_other_typed_arguments_survive_a_restart_byte_for_byte()
    {
        byte[] blob = [0xff, 0x00, 0x80, 0xfe];
        byte[] notUtf8 = [0xc3, 0x28, (byte)'x'];
        var when = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        Dictionary<string, object?> Arguments() => new()
        {
            ["x-blob"] = blob.ToArray(),
            ["x-raw"] = new Tidings.Core.Messages.RawText(notUtf8.ToArray()),
            ["x-when"] = when,
            ["x-price"] = 1.50m,
            ["x-nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { blob.ToArray(), 7L } },
        };
        using (var broker = NewBroker())
        {
            var vhost = broker.DefaultVirtualHost;
            vhost.DeclareExchange("bin.x", "headers", durable: true, arguments: Arguments());
            vhost.DeclareQueue("bin.q", durable: true, arguments: Arguments());
            vhost.BindQueue("bin.q", "bin.x", "", new Dictionary<string, object?> { ["x-match"] = "any", ["key"] = blob.ToArray() });
            DefinitionsFile.Save(broker, _temp.Path);
        }

        using var restarted = NewBroker();
        Assert.Empty(DefinitionsFile.Load(restarted, _temp.Path));

        var vhost2 = restarted.DefaultVirtualHost;
        foreach (var arguments in new[] { vhost2.FindQueue("bin.q")!.Arguments, vhost2.FindExchange("bin.x")!.Arguments })
        {
            Assert.Equal(blob, Assert.IsType<byte[]>(arguments["x-blob"]));
            Assert.Equal(notUtf8, Assert.IsType<Tidings.Core.Messages.RawText>(arguments["x-raw"]).Bytes);
            Assert.Equal(when, Assert.IsType<DateTimeOffset>(arguments["x-when"]));
            Assert.Equal("1.50", Assert.IsType<decimal>(arguments["x-price"]).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var list = Assert.IsType<List<object?>>(Assert.IsType<Dictionary<string, object?>>(arguments["x-nested"])["list"]);
            Assert.Equal(blob, Assert.IsType<byte[]>(list[0]));
        }
        var binding = Assert.Single(vhost2.FindExchange("bin.x")!.Bindings);
        Assert.Equal(blob, Assert.IsType<byte[]>(binding.Arguments["key"]));
        // The application's start-up redeclaration is still equivalent, and a second save is the same file.
        vhost2.DeclareQueue("bin.q", durable: true, arguments: Arguments());
        vhost2.DeclareExchange("bin.x", "headers", durable: true, arguments: Arguments());
        string first = File.ReadAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName));
        DefinitionsFile.Save(restarted, _temp.Path);
        Assert.Equal(first, File.ReadAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName)));
        Assert.Contains("\"$binary\": \"/wCA/g==\"", first);
    }

    [Fact]
    public void Objects_an_older_version_accepted_but_the_limits_refuse_are_reported_and_skipped_and_the_rest_is_restored()
    {
        // Earlier versions wrote names AMQP cannot carry into definitions.json (issue 10, defect 3).
        string longName = new('n', 300);
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName), $$$"""
            {"vhosts":[{"name":"/"},{"name":"{{{longName}}}"}],
             "users":[{"name":"{{{longName}}}","tags":[]},{"name":"carol","tags":[]}],
             "permissions":[],
             "exchanges":[{"name":"{{{longName}}}","vhost":"/","type":"direct"}],
             "queues":[{"name":"{{{longName}}}","vhost":"/"},{"name":"kept","vhost":"/"},
                       {"name":"dl","vhost":"/","arguments":{"x-dead-letter-exchange":"amq.topic","x-dead-letter-routing-key":"{{{longName}}}"}}],
             "bindings":[{"source":"amq.direct","vhost":"/","destination":"kept","destination_type":"queue","routing_key":"{{{longName}}}"}]}
            """);

        using var broker = NewBroker();
        var problems = DefinitionsFile.Load(broker, _temp.Path);

        Assert.Equal(6, problems.Count);
        Assert.All(problems, p => Assert.EndsWith("skipped", p));
        Assert.NotNull(broker.FindUser("carol"));
        Assert.NotNull(broker.DefaultVirtualHost.FindQueue("kept"));
        Assert.Null(broker.DefaultVirtualHost.FindQueue("dl"));
        Assert.Null(broker.FindVirtualHost(longName));
    }

    [Fact]
    public void A_leftover_half_written_temporary_file_does_not_disturb_loading()
    {
        using (var broker = NewBroker())
        {
            broker.DefaultVirtualHost.DeclareQueue("kept", durable: true);
            DefinitionsFile.Save(broker, _temp.Path);
        }
        File.WriteAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName + ".tmp"), "{\"queues\": [ {\"name\": \"half");

        using var restarted = NewBroker();
        var problems = DefinitionsFile.Load(restarted, _temp.Path);

        Assert.Empty(problems);
        Assert.NotNull(restarted.DefaultVirtualHost.FindQueue("kept"));
    }

    [Fact]
    public void A_corrupt_definitions_file_is_reported_set_aside_and_the_broker_starts_with_defaults()
    {
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName), "{ this is not json");

        using var broker = NewBroker();
        var problems = DefinitionsFile.Load(broker, _temp.Path);

        Assert.Contains("not valid JSON", Assert.Single(problems));
        Assert.True(File.Exists(Path.Combine(_temp.Path, DefinitionsFile.FileName + ".corrupt")));
        Assert.NotNull(broker.FindUser("guest"));
    }

    [Fact]
    public async Task The_persister_writes_changes_in_the_background_and_on_dispose()
    {
        using var broker = NewBroker();
        var persister = new DefinitionsPersister(broker, _temp.Path);
        broker.DefaultVirtualHost.DeclareQueue("first", durable: true);
        string path = Path.Combine(_temp.Path, DefinitionsFile.FileName);
        for (int i = 0; i < 50 && !(File.Exists(path) && File.ReadAllText(path).Contains("\"first\"")); i++) await Task.Delay(50);
        Assert.Contains("\"first\"", File.ReadAllText(path));

        broker.DefaultVirtualHost.DeclareQueue("second", durable: true);
        await persister.DisposeAsync();

        Assert.Contains("\"second\"", File.ReadAllText(path));
    }
}
