using System.Net;
using System.Text.Json;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Management;

public sealed class DefinitionTests
{
    /// <summary>
    /// A definitions file in the format RabbitMQ 3.13 exports (rabbitmqctl export_definitions,
    /// GET /api/definitions), with the documentation's example hash for "test12".
    /// </summary>
    private const string RabbitMqDefinitions = """
    {
      "rabbit_version": "3.13.7",
      "rabbitmq_version": "3.13.7",
      "product_name": "RabbitMQ",
      "product_version": "3.13.7",
      "users": [
        {"name": "guest", "password_hash": "Hy49TEHHkZ3SMXic+UD4qzc/mGWrFHgPVvCKvXzNbw+zkhJV",
         "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"], "limits": {}},
        {"name": "orders-app", "password_hash": "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR",
         "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": "management", "limits": {}}
      ],
      "vhosts": [
        {"name": "/", "description": "Default virtual host", "tags": [], "metadata": {"description": "Default virtual host", "tags": []}},
        {"name": "orders", "description": "Order processing", "tags": ["production"],
         "metadata": {"description": "Order processing", "tags": ["production"]}, "default_queue_type": "classic"}
      ],
      "permissions": [
        {"user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"},
        {"user": "guest", "vhost": "orders", "configure": ".*", "write": ".*", "read": ".*"},
        {"user": "orders-app", "vhost": "orders", "configure": "^orders\\.", "write": ".*", "read": ".*"}
      ],
      "topic_permissions": [],
      "parameters": [],
      "global_parameters": [{"name": "cluster_name", "value": "rabbit@example"}],
      "policies": [],
      "queues": [
        {"name": "orders.created", "vhost": "orders", "durable": true, "auto_delete": false,
         "arguments": {"x-queue-type": "classic", "x-message-ttl": 60000, "x-dead-letter-exchange": "orders.dlx"}},
        {"name": "orders.dead", "vhost": "orders", "durable": true, "auto_delete": false, "arguments": {}}
      ],
      "exchanges": [
        {"name": "orders.events", "vhost": "orders", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
        {"name": "orders.dlx", "vhost": "orders", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
        {"name": "orders.audit", "vhost": "orders", "type": "headers", "durable": true, "auto_delete": false, "internal": true, "arguments": {}}
      ],
      "bindings": [
        {"source": "orders.events", "vhost": "orders", "destination": "orders.created", "destination_type": "queue",
         "routing_key": "order.created.*", "arguments": {}},
        {"source": "orders.dlx", "vhost": "orders", "destination": "orders.dead", "destination_type": "queue",
         "routing_key": "", "arguments": {}},
        {"source": "orders.events", "vhost": "orders", "destination": "orders.audit", "destination_type": "exchange",
         "routing_key": "#", "arguments": {}}
      ]
    }
    """;

    [Fact]
    public async Task RabbitMq_definitions_import_and_export_back_equivalently()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/definitions", RabbitMqDefinitions)).ExpectAsync(HttpStatusCode.NoContent);

        var broker = server.Broker;
        Assert.True(broker.FindUser("orders-app")!.CheckPassword("test12"));
        Assert.True(broker.FindUser("guest")!.CheckPassword("guest"));
        var orders = broker.FindVirtualHost("orders")!;
        Assert.Equal("Order processing", orders.Description);
        Assert.Equal(60000L, orders.FindQueue("orders.created")!.Settings.MessageTtl);

        var exported = await client.GetJsonAsync("/api/definitions");
        var original = JsonDocument.Parse(RabbitMqDefinitions).RootElement;
        foreach (var section in new[] { "rabbit_version", "users", "vhosts", "permissions", "topic_permissions", "parameters",
                     "global_parameters", "policies", "queues", "exchanges", "bindings" })
            Assert.True(exported.TryGetProperty(section, out _), "missing section " + section);
        Assert.Equal("Tidings", exported.GetProperty("product_name").GetString());

        Assert.Equal(Users(original), Users(exported));
        Assert.Equal(Rows(original, "permissions", "user", "vhost", "configure", "write", "read"),
            Rows(exported, "permissions", "user", "vhost", "configure", "write", "read"));
        Assert.Equal(Rows(original, "vhosts", "name", "description"), Rows(exported, "vhosts", "name", "description"));
        Assert.Equal(Rows(original, "queues", "name", "vhost", "durable", "auto_delete", "arguments"),
            Rows(exported, "queues", "name", "vhost", "durable", "auto_delete", "arguments"));
        Assert.Equal(Rows(original, "exchanges", "name", "vhost", "type", "durable", "auto_delete", "internal", "arguments"),
            Rows(exported, "exchanges", "name", "vhost", "type", "durable", "auto_delete", "internal", "arguments"));
        Assert.Equal(Rows(original, "bindings", "source", "vhost", "destination", "destination_type", "routing_key", "arguments"),
            Rows(exported, "bindings", "source", "vhost", "destination", "destination_type", "routing_key", "arguments"));
    }

    [Fact]
    public async Task Import_merges_and_leaves_an_inequivalent_existing_queue_as_it_is()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.AddVirtualHost("orders");
        vhost.DeclareQueue("orders.created", durable: false);
        vhost.DeclareQueue("kept");
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/definitions", RabbitMqDefinitions)).ExpectAsync(HttpStatusCode.NoContent);

        Assert.False(vhost.FindQueue("orders.created")!.Durable);
        Assert.NotNull(vhost.FindQueue("kept"));
        Assert.NotNull(vhost.FindQueue("orders.dead"));
    }

    [Fact]
    public async Task A_vhost_export_omits_users_and_vhost_names_and_imports_into_another_vhost()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        await (await client.PostJsonAsync("/api/definitions", RabbitMqDefinitions)).ExpectAsync(HttpStatusCode.NoContent);

        var exported = await client.GetJsonAsync("/api/definitions/orders");

        Assert.False(exported.TryGetProperty("users", out _));
        Assert.False(exported.TryGetProperty("vhosts", out _));
        Assert.False(exported.GetProperty("queues")[0].TryGetProperty("vhost", out _));
        server.Broker.AddVirtualHost("copy");
        await (await client.PostJsonAsync("/api/definitions/copy", exported.GetRawText())).ExpectAsync(HttpStatusCode.NoContent);
        var copy = server.Broker.FindVirtualHost("copy")!;
        Assert.NotNull(copy.FindQueue("orders.created"));
        Assert.Equal(3, copy.Bindings.Count);
    }

    [Fact]
    public async Task Definitions_upload_as_a_multipart_file_like_the_management_ui()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(RabbitMqDefinitions), "file", "definitions.json");

        await (await client.PostAsync("/api/definitions", form)).ExpectAsync(HttpStatusCode.NoContent);

        Assert.NotNull(server.Broker.FindVirtualHost("orders")?.FindExchange("orders.events"));
    }

    [Fact]
    public async Task Import_refuses_an_unknown_hashing_algorithm()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/definitions",
            """{"users":[{"name":"x","password_hash":"abc","hashing_algorithm":"rabbit_password_hashing_md5","tags":""}]}"""))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Null(server.Broker.FindUser("x"));
    }

    [Fact]
    public async Task Binary_arguments_export_and_import_into_another_broker_exactly_and_list_as_RabbitMQ_shows_them()
    {
        byte[] blob = [0xff, 0x00, 0x80];
        byte[] text = "ok"u8.ToArray();
        var when = DateTimeOffset.FromUnixTimeSeconds(1_764_690_461);
        Dictionary<string, object?> Arguments() => new()
        {
            ["x-blob"] = blob.ToArray(),
            ["x-text-bytes"] = text.ToArray(),
            ["x-raw"] = new RawText([0xc3, 0x28]),
            ["x-when"] = when,
            ["x-price"] = 2.50m,
        };
        await using var source = await TestBrokerServer.StartWithHttpAsync();
        source.Broker.DefaultVirtualHost.DeclareQueue("bin", durable: true, arguments: Arguments());
        source.Broker.DefaultVirtualHost.BindQueue("bin", "amq.headers", "", new Dictionary<string, object?> { ["x-match"] = "all", ["k"] = blob.ToArray() });
        using var client = source.Client();

        var exported = await client.GetJsonAsync("/api/definitions");
        await using var target = await TestBrokerServer.StartWithHttpAsync();
        using var targetClient = target.Client();
        await (await targetClient.PostJsonAsync("/api/definitions", exported.GetRawText())).ExpectAsync(HttpStatusCode.NoContent);

        var arguments = target.Broker.DefaultVirtualHost.FindQueue("bin")!.Arguments;
        Assert.Equal(blob, Assert.IsType<byte[]>(arguments["x-blob"]));
        Assert.Equal(text, Assert.IsType<byte[]>(arguments["x-text-bytes"]));
        Assert.Equal(new byte[] { 0xc3, 0x28 }, Assert.IsType<RawText>(arguments["x-raw"]).Bytes);
        Assert.Equal(when, Assert.IsType<DateTimeOffset>(arguments["x-when"]));
        Assert.Equal(2.50m, Assert.IsType<decimal>(arguments["x-price"]));
        Assert.True(FieldValue.TablesEqual(Arguments(), arguments));
        var binding = Assert.Single(target.Broker.DefaultVirtualHost.FindExchange("amq.headers")!.Bindings);
        Assert.Equal(blob, Assert.IsType<byte[]>(binding.Arguments["k"]));
        Assert.Equal("/wCA", exported.GetProperty("queues")[0].GetProperty("arguments").GetProperty("x-blob").GetProperty("$binary").GetString());

        // The listing shows what RabbitMQ's management API shows: text when the bytes are UTF-8.
        var listed = (await client.GetJsonAsync("/api/queues/%2F/bin")).GetProperty("arguments");
        Assert.Equal("Not UTF-8, base64 is: /wCA", listed.GetProperty("x-blob").GetString());
        Assert.Equal("ok", listed.GetProperty("x-text-bytes").GetString());
        Assert.Equal("Not UTF-8, base64 is: wyg=", listed.GetProperty("x-raw").GetString());
        Assert.Equal(1_764_690_461, listed.GetProperty("x-when").GetInt64());
    }

    [Fact]
    public async Task A_queue_declared_over_HTTP_with_a_tagged_binary_argument_gets_the_bytes()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/queues/%2F/tagged", """{"durable":true,"arguments":{"x-key":{"$binary":"AAEC"}}}"""))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/queues/%2F/bad", """{"arguments":{"x-key":{"$binary":"***"}}}"""))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Equal(new byte[] { 0, 1, 2 }, Assert.IsType<byte[]>(server.Broker.DefaultVirtualHost.FindQueue("tagged")!.Arguments["x-key"]));
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("bad"));
    }

    private static List<string> Users(JsonElement root) =>
        [.. root.GetProperty("users").EnumerateArray().Select(u => string.Join("|", u.GetProperty("name").GetString(),
            u.GetProperty("password_hash").GetString(), u.GetProperty("hashing_algorithm").GetString(),
            string.Join(",", u.GetProperty("tags") is { ValueKind: JsonValueKind.Array } tags
                ? tags.EnumerateArray().Select(t => t.GetString()) : [u.GetProperty("tags").GetString()]))).Order()];

    /// <summary>The chosen fields of each entry as canonical text, sorted: a set comparison of sections.</summary>
    private static List<string> Rows(JsonElement root, string section, params string[] fields) =>
        [.. root.GetProperty(section).EnumerateArray().Select(e => string.Join("|", fields.Select(f => Canonical(e.GetProperty(f))))).Order()];

    private static string Canonical(JsonElement value) => value.ValueKind == JsonValueKind.Object
        ? "{" + string.Join(",", value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Canonical(p.Value))) + "}"
        : value.GetRawText();
}
