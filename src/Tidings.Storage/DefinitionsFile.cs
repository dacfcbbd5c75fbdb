using System.Text.Json;
using System.Text.Json.Nodes;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;

namespace Tidings.Storage;

/// <summary>
/// The durable definitions (virtual hosts, users, permissions, durable exchanges, queues and
/// bindings) in one JSON file shaped like RabbitMQ's definitions export. Written atomically:
/// a temporary file is written and fsynced, then renamed over the old one, so a crash leaves
/// either the old or the new file, never half of one.
/// </summary>
public static class DefinitionsFile
{
    public const string FileName = "definitions.json";

    /// <summary>Writes the broker's durable definitions to <paramref name="directory"/>.</summary>
    public static void Save(Broker broker, string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temp = path + ".tmp";
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(Snapshot(broker), new JsonSerializerOptions { WriteIndented = true });
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(json);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        FsyncDirectory(directory);
    }

    /// <summary>
    /// Applies the saved definitions to a fresh broker. A missing file is a first start; an
    /// unreadable one is reported (and kept aside as .corrupt) and the broker starts with defaults.
    /// </summary>
    /// <returns>Problems found, for the log; empty when all went well.</returns>
    public static IReadOnlyList<string> Load(Broker broker, string directory)
    {
        string path = Path.Combine(directory, FileName);
        var problems = new List<string>();
        if (!File.Exists(path)) return problems;
        JsonNode? root;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            // The JSON reader checks UTF-8 only when a string is read, deep inside the restore
            // (found by fuzzing): damaged text is caught here, as damaged JSON is.
            if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new JsonException("the file is not valid UTF-8");
            root = JsonNode.Parse(bytes);
        }
        catch (JsonException e)
        {
            string aside = path + ".corrupt";
            File.Move(path, aside, overwrite: true);
            problems.Add($"{path} is not valid JSON ({e.Message}); moved to {aside}, starting with default definitions");
            return problems;
        }
        if (root is not JsonObject definitions)
        {
            problems.Add($"{path} does not hold a definitions object; ignored");
            return problems;
        }
        try
        {
            Apply(broker, definitions, problems);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // JsonObject materialises its properties lazily and throws then on a repeated key
            // (found by fuzzing), and a value read as the wrong kind throws too: what was
            // applied before it stays, the rest is reported, and the broker still starts.
            problems.Add($"{path}: {e.Message}; the definitions after it were not applied");
        }
        return problems;
    }

    // ---- snapshot ----

    private static JsonObject Snapshot(Broker broker)
    {
        var vhosts = new JsonArray();
        var exchanges = new JsonArray();
        var queues = new JsonArray();
        var bindings = new JsonArray();
        foreach (var vhost in broker.VirtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            vhosts.Add(new JsonObject { ["name"] = vhost.Name, ["description"] = vhost.Description, ["tags"] = ToJsonArray(vhost.Tags) });
            foreach (var exchange in vhost.Exchanges.Where(x => x.Durable && !x.IsPredeclared).OrderBy(x => x.Name, StringComparer.Ordinal))
            {
                exchanges.Add(new JsonObject
                {
                    ["name"] = exchange.Name, ["vhost"] = vhost.Name, ["type"] = exchange.Type, ["durable"] = true,
                    ["auto_delete"] = exchange.AutoDelete, ["internal"] = exchange.Internal, ["arguments"] = ToJson(exchange.Arguments),
                });
            }
            foreach (var queue in vhost.Queues.Where(q => q.Durable && !q.Exclusive).OrderBy(q => q.Name, StringComparer.Ordinal))
            {
                queues.Add(new JsonObject
                {
                    ["name"] = queue.Name, ["vhost"] = vhost.Name, ["durable"] = true,
                    ["auto_delete"] = queue.AutoDelete, ["arguments"] = ToJson(queue.Arguments),
                });
            }
            foreach (var binding in vhost.Bindings.Where(IsDurable))
            {
                bindings.Add(new JsonObject
                {
                    ["source"] = binding.Source.Name, ["vhost"] = vhost.Name, ["destination"] = binding.Destination.Name,
                    ["destination_type"] = binding.Destination is MessageQueue ? "queue" : "exchange",
                    ["routing_key"] = binding.RoutingKey, ["arguments"] = ToJson(binding.Arguments),
                });
            }
        }
        var users = new JsonArray();
        var permissions = new JsonArray();
        foreach (var user in broker.Users.OrderBy(u => u.Name, StringComparer.Ordinal))
        {
            users.Add(new JsonObject
            {
                ["name"] = user.Name, ["password_hash"] = user.PasswordHash,
                ["hashing_algorithm"] = User.HashingAlgorithm, ["tags"] = ToJsonArray(user.Tags),
            });
            foreach (var (vhost, p) in user.AllPermissions.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                permissions.Add(new JsonObject { ["user"] = user.Name, ["vhost"] = vhost, ["configure"] = p.Configure, ["write"] = p.Write, ["read"] = p.Read });
        }
        return new JsonObject
        {
            ["product_name"] = "Tidings", ["product_version"] = Broker.Version,
            ["users"] = users, ["vhosts"] = vhosts, ["permissions"] = permissions,
            ["exchanges"] = exchanges, ["queues"] = queues, ["bindings"] = bindings,
        };
    }

    /// <summary>A binding survives a restart when both ends do (RabbitMQ's rule).</summary>
    private static bool IsDurable(Binding binding) =>
        binding.Source.Durable && binding.Destination switch
        {
            MessageQueue q => q.Durable && !q.Exclusive,
            Exchange x => x.Durable,
            _ => false,
        };

    // ---- restore ----

    private static void Apply(Broker broker, JsonObject root, List<string> problems)
    {
        // Each object on its own: one an older version accepted but the limits now refuse (a
        // 300-byte vhost name) is reported and skipped, and the broker still starts.
        foreach (var v in Items(root, "vhosts"))
        {
            Restore("vhosts", problems, () =>
            {
                var vhost = broker.AddVirtualHost(Text(v, "name") ?? "/");
                vhost.Description = Text(v, "description") ?? "";
                vhost.Tags = Strings(v["tags"]);
            });
        }
        foreach (var u in Items(root, "users"))
        {
            string? name = Text(u, "name");
            if (name is null) continue;
            Restore("users", problems, () =>
            {
                var user = broker.FindUser(name) ?? broker.AddUser(name, Guid.NewGuid().ToString("N"));
                if (Text(u, "password_hash") is { } hash && !user.SetPasswordHash(hash))
                    problems.Add($"user '{name}': password hash not in {User.HashingAlgorithm} format; password left unusable");
                user.Tags = Strings(u["tags"]);
            });
        }
        foreach (var p in Items(root, "permissions"))
        {
            if (Text(p, "user") is { } name && broker.FindUser(name) is { } user && Text(p, "vhost") is { } vhost)
                user.SetPermissions(vhost, new VhostPermissions(Text(p, "configure") ?? "", Text(p, "write") ?? "", Text(p, "read") ?? ""));
        }
        Each(broker, root, "exchanges", problems, (vhost, x) => vhost.DeclareExchange(Required(x, "name"), Text(x, "type") ?? "direct",
            durable: true, Flag(x, "auto_delete"), Flag(x, "internal"), Table(x["arguments"])));
        Each(broker, root, "queues", problems, (vhost, q) => vhost.DeclareQueue(Required(q, "name"), durable: true, exclusive: false,
            Flag(q, "auto_delete"), Table(q["arguments"])));
        Each(broker, root, "bindings", problems, (vhost, b) =>
        {
            if (Text(b, "destination_type") == "exchange")
                vhost.BindExchange(Required(b, "destination"), Required(b, "source"), Text(b, "routing_key") ?? "", Table(b["arguments"]));
            else
                vhost.BindQueue(Required(b, "destination"), Required(b, "source"), Text(b, "routing_key") ?? "", Table(b["arguments"]));
        });
    }

    private static void Each(Broker broker, JsonObject root, string key, List<string> problems, Action<VirtualHost, JsonObject> apply)
    {
        foreach (var item in Items(root, key))
        {
            var vhost = broker.FindVirtualHost(Text(item, "vhost") ?? "/");
            if (vhost is null)
            {
                problems.Add($"{key}: '{Text(item, "name") ?? Text(item, "destination")}' names missing vhost '{Text(item, "vhost")}'; skipped");
                continue;
            }
            Restore(key, problems, () => apply(vhost, item));
        }
    }

    /// <summary>Restores one object; a refusal becomes a problem for the log, not a failed start.</summary>
    private static void Restore(string key, List<string> problems, Action restore)
    {
        try
        {
            restore();
        }
        catch (Exception e) when (e is BrokerException or FormatException)
        {
            problems.Add($"{key}: {e.Message}; skipped");
        }
    }

    private static IEnumerable<JsonObject> Items(JsonObject root, string key) =>
        root[key] is JsonArray array ? array.OfType<JsonObject>() : [];

    /// <summary>
    /// A name the entry cannot do without; missing, it is a problem with the entry, not a null
    /// reaching the core. Empty is missing too: "" would declare a server-named queue
    /// (amq.gen-…) that the next start refuses as reserved, so it would vanish (found by fuzzing).
    /// </summary>
    private static string Required(JsonObject o, string key) =>
        Text(o, key) is { Length: > 0 } text ? text : throw new FormatException($"an entry has no {key}");

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Flag(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static string[] Strings(JsonNode? node) => node switch
    {
        JsonArray a => [.. a.Select(n => n?.ToString() ?? "")],
        JsonValue v when v.TryGetValue<string>(out var s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => [],
    };

    private static Dictionary<string, object?>? Table(JsonNode? node) =>
        node is JsonObject o && o.Count > 0 ? o.ToDictionary(kv => kv.Key, kv => FromJson(kv.Value)) : null;

    /// <summary>JSON back to header/argument values: integers become long, as AMQP's signed 64-bit.</summary>
    private static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => FromJson(kv.Value)),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        // 1e400 reads as infinity, which no JSON writer takes back: such a value stays text.
        JsonValue v when v.TryGetValue<double>(out var d) && double.IsFinite(d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static JsonObject ToJson(IReadOnlyDictionary<string, object?> table)
    {
        var o = new JsonObject();
        foreach (var (key, value) in table) o[key] = ToJsonValue(value);
        return o;
    }

    private static JsonNode? ToJsonValue(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b,
        double d => d,
        float f => f,
        DateTimeOffset t => t.ToUnixTimeSeconds(),
        decimal m => m,
        RawText b => FieldValue.AsString(b),
        AttributeValue a => ToJsonValue(a.Value),
        byte[] bytes => Convert.ToBase64String(bytes),
        IReadOnlyDictionary<string, object?> t => ToJson(t),
        IDictionary<string, object?> t => ToJson(t.AsReadOnly()),
        System.Collections.IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(ToJsonValue)]),
        _ when FieldValue.AsLong(value) is { } l => l,
        _ => value.ToString(),
    };

    private static JsonArray ToJsonArray(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode?)s)]);

    private static void FsyncDirectory(string directory)
    {
        // The rename is durable only once the directory entry is: fsync the directory (POSIX).
        if (OperatingSystem.IsWindows()) return;
        DirectorySync.Fsync(directory);
    }
}
