using System.Buffers;
using System.Text.Json;
using Tidings.Core.Security;

namespace Tidings.Core.Definitions;

/// <summary>
/// Reads and writes RabbitMQ's definitions format (rabbitmqctl export_definitions, GET
/// /api/definitions). Arguments go through <see cref="FieldValueJson"/> in its exact style, so a
/// byte array or a timestamp reads back as it was written. Reading never throws for bad input:
/// each entry that cannot be read is reported and left out, the rest is read.
/// </summary>
public static class DefinitionsJson
{
    /// <summary>The sections read; the others (policies, parameters, topic permissions) are not supported and ignored.</summary>
    private static readonly string[] Sections = ["users", "vhosts", "permissions", "exchanges", "queues", "bindings"];

    // ---- reading ----

    /// <summary>Reads definitions from a JSON object; entries that are not valid are reported to <paramref name="report"/> and left out.</summary>
    /// <param name="root">The definitions object.</param>
    /// <param name="report">Told of each problem; may throw to stop reading (an HTTP import's 400).</param>
    /// <param name="outOfRangeAsText">Numbers beyond a double's range in arguments become text instead of a problem (see <see cref="FieldValueJson.Read"/>).</param>
    public static BrokerDefinitions Read(JsonElement root, Action<DefinitionsProblem> report, bool outOfRangeAsText = false)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            report(new("definitions must be an object", DefinitionsProblemKind.Invalid));
            return new BrokerDefinitions();
        }
        var sections = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(Sections, property.Name) < 0) continue;
            // A repeated key: the first wins; JsonElement would not say which it returns.
            if (!sections.TryAdd(property.Name, property.Value))
                report(new($"{property.Name}: a second '{property.Name}' key", DefinitionsProblemKind.Invalid));
        }
        var reader = new Reader(report, outOfRangeAsText);
        return new BrokerDefinitions
        {
            Users = reader.Entries(sections, "users", ReadUser),
            VirtualHosts = reader.Entries(sections, "vhosts", ReadVirtualHost),
            Permissions = reader.Entries(sections, "permissions", ReadPermission),
            Exchanges = reader.Entries(sections, "exchanges", ReadExchange),
            Queues = reader.Entries(sections, "queues", ReadQueue),
            Bindings = reader.Entries(sections, "bindings", ReadBinding),
        };
    }

    private static UserDefinition ReadUser(Entry e) =>
        new(e.Required("name"), e.Text("password_hash"), e.Text("password"), e.Text("hashing_algorithm"), e.Tags("tags") ?? []);

    private static VirtualHostDefinition ReadVirtualHost(Entry e)
    {
        // RabbitMQ 3.13 writes description and tags twice, also inside "metadata"; older files only at the top.
        var metadata = e.Object("metadata");
        return new(e.Required("name"), e.Text("description") ?? metadata?.Text("description"), e.Tags("tags") ?? metadata?.Tags("tags"));
    }

    private static PermissionDefinition ReadPermission(Entry e) =>
        new(e.Required("user"), e.Required("vhost"), e.Text("configure") ?? "", e.Text("write") ?? "", e.Text("read") ?? "");

    private static ExchangeDefinition ReadExchange(Entry e)
    {
        string name = e.Required("name");
        string type = e.Text("type") ?? throw new FormatException($"exchange '{name}': type is missing");
        return new(name, e.Text("vhost"), type, e.Flag("durable"), e.Flag("auto_delete"), e.Flag("internal"), e.Arguments());
    }

    private static QueueDefinition ReadQueue(Entry e) =>
        new(e.Required("name"), e.Text("vhost"), e.Flag("durable"), e.Flag("auto_delete"), e.Arguments());

    private static BindingDefinition ReadBinding(Entry e) =>
        new(e.Text("source") ?? "", e.Text("vhost"), e.Required("destination"),
            e.Text("destination_type") == "exchange" ? "exchange" : "queue", e.Text("routing_key") ?? "", e.Arguments());

    /// <summary>Reads the entries of each section; a FormatException from an entry reports it and leaves it out.</summary>
    private sealed class Reader(Action<DefinitionsProblem> report, bool outOfRangeAsText)
    {
        public List<T> Entries<T>(Dictionary<string, JsonElement> sections, string section, Func<Entry, T> read)
        {
            var entries = new List<T>();
            // A missing section is empty, as RabbitMQ reads it.
            if (!sections.TryGetValue(section, out var list) || list.ValueKind == JsonValueKind.Null) return entries;
            if (list.ValueKind != JsonValueKind.Array)
            {
                report(new($"{section} must be a list", DefinitionsProblemKind.Invalid));
                return entries;
            }
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    report(new($"{section} entries must be objects", DefinitionsProblemKind.Invalid));
                    continue;
                }
                try
                {
                    entries.Add(read(new Entry(item, section, outOfRangeAsText)));
                }
                catch (FormatException e)
                {
                    report(new(e.Message, DefinitionsProblemKind.Invalid));
                }
            }
            return entries;
        }
    }

    /// <summary>One entry's fields, read as the management API reads them; a wrong kind is a FormatException.</summary>
    private readonly record struct Entry(JsonElement Json, string Section, bool OutOfRangeAsText)
    {
        private JsonElement? Field(string key) =>
            Json.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        /// <summary>A string; numbers and booleans as their text (some tools write "durable": "true" and ports as numbers).</summary>
        public string? Text(string key) => Field(key) is not { } v ? null : v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => throw new FormatException($"{Section}: {key} must be a string"),
        };

        /// <summary>
        /// A name the entry cannot do without: missing, null or empty is a problem, not a null
        /// reaching the core; an empty queue name would declare a durable server-named queue
        /// that a restart refuses as reserved (both found by fuzzing).
        /// </summary>
        public string Required(string key) =>
            Text(key) is { Length: > 0 } text ? text : throw new FormatException($"{Section}: an entry has no {key}");

        /// <summary>true/false, also as the strings "true"/"false".</summary>
        public bool Flag(string key) => Field(key) is { } v && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out bool b) => b,
            _ => throw new FormatException($"{Section}: {key} must be a boolean"),
        };

        /// <summary>Tags as RabbitMQ writes them: "a,b" or ["a","b"]; null when absent.</summary>
        public IReadOnlyList<string>? Tags(string key)
        {
            if (Field(key) is not { } v) return null;
            string section = Section;
            IEnumerable<string> raw = v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!.Split(','),
                JsonValueKind.Array => v.EnumerateArray().Select(t => t.ValueKind is JsonValueKind.String ? t.GetString()!
                    : t.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? t.GetRawText()
                    : throw new FormatException($"{section}: {key} must be a string or a list")),
                _ => throw new FormatException($"{Section}: {key} must be a string or a list"),
            };
            return [.. raw.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];
        }

        public Entry? Object(string key) => Field(key) is { ValueKind: JsonValueKind.Object } v ? this with { Json = v } : null;

        public IReadOnlyDictionary<string, object?> Arguments() =>
            Field("arguments") is { } v ? FieldValueJson.ReadTable(v, $"{Section}: arguments", OutOfRangeAsText) : Empty;
    }

    /// <summary>The arguments of an entry that has none; shared, never changed.</summary>
    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    // ---- writing ----

    /// <summary>The definitions as UTF-8 JSON in RabbitMQ's layout (sections in the order rabbitmqctl writes them).</summary>
    public static byte[] Write(BrokerDefinitions definitions, bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, FieldValueJson.WriterOptions(indented))) Write(json, definitions);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the definitions as one JSON object.</summary>
    public static void Write(Utf8JsonWriter json, BrokerDefinitions definitions)
    {
        bool all = definitions.OneVirtualHost is null;
        json.WriteStartObject();
        if (definitions.RabbitVersion is { } version)
        {
            json.WriteString("rabbit_version", version);
            json.WriteString("rabbitmq_version", version);
        }
        json.WriteString("product_name", "Tidings");
        json.WriteString("product_version", Broker.Version);
        if (all)
        {
            WriteList(json, "users", definitions.Users, u =>
            {
                json.WriteString("name", u.Name);
                json.WriteString("password_hash", u.PasswordHash ?? "");
                json.WriteString("hashing_algorithm", u.HashingAlgorithm ?? User.HashingAlgorithm);
                WriteStrings(json, "tags", u.Tags);
                json.WriteStartObject("limits");
                json.WriteEndObject();
            });
            WriteList(json, "vhosts", definitions.VirtualHosts, v =>
            {
                json.WriteString("name", v.Name);
                WriteVhostMetadata(json, v);
                json.WriteStartObject("metadata");
                WriteVhostMetadata(json, v);
                json.WriteEndObject();
            });
            WriteList(json, "permissions", definitions.Permissions, p =>
            {
                json.WriteString("user", p.User);
                json.WriteString("vhost", p.VirtualHost);
                json.WriteString("configure", p.Configure);
                json.WriteString("write", p.Write);
                json.WriteString("read", p.Read);
            });
            WriteEmptyList(json, "topic_permissions");
        }
        // Policies and parameters are not supported: read and ignored, written empty.
        WriteEmptyList(json, "parameters");
        if (all) WriteEmptyList(json, "global_parameters");
        WriteEmptyList(json, "policies");
        WriteList(json, "queues", definitions.Queues, q =>
        {
            json.WriteString("name", q.Name);
            if (all) json.WriteString("vhost", q.VirtualHost);
            json.WriteBoolean("durable", q.Durable);
            json.WriteBoolean("auto_delete", q.AutoDelete);
            WriteArguments(json, q.Arguments);
        });
        WriteList(json, "exchanges", definitions.Exchanges, x =>
        {
            json.WriteString("name", x.Name);
            if (all) json.WriteString("vhost", x.VirtualHost);
            json.WriteString("type", x.Type);
            json.WriteBoolean("durable", x.Durable);
            json.WriteBoolean("auto_delete", x.AutoDelete);
            json.WriteBoolean("internal", x.Internal);
            WriteArguments(json, x.Arguments);
        });
        WriteList(json, "bindings", definitions.Bindings, b =>
        {
            json.WriteString("source", b.Source);
            if (all) json.WriteString("vhost", b.VirtualHost);
            json.WriteString("destination", b.Destination);
            json.WriteString("destination_type", b.DestinationType);
            json.WriteString("routing_key", b.RoutingKey);
            WriteArguments(json, b.Arguments);
        });
        json.WriteEndObject();
    }

    private static void WriteVhostMetadata(Utf8JsonWriter json, VirtualHostDefinition v)
    {
        json.WriteString("description", v.Description ?? "");
        WriteStrings(json, "tags", v.Tags ?? []);
        json.WriteString("default_queue_type", "classic");
    }

    private static void WriteArguments(Utf8JsonWriter json, IReadOnlyDictionary<string, object?> arguments)
    {
        json.WritePropertyName("arguments");
        FieldValueJson.WriteTable(json, arguments, FieldJsonStyle.Exact);
    }

    private static void WriteList<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<T> writeFields)
    {
        json.WriteStartArray(name);
        foreach (var item in items)
        {
            json.WriteStartObject();
            writeFields(item);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteEmptyList(Utf8JsonWriter json, string name)
    {
        json.WriteStartArray(name);
        json.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> items)
    {
        json.WriteStartArray(name);
        foreach (string item in items) json.WriteStringValue(item);
        json.WriteEndArray();
    }
}
