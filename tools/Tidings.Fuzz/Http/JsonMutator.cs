using System.Text;
using System.Text.Json.Nodes;

namespace Tidings.Fuzz.Http;

/// <summary>
/// Mutations of a JSON body that keep it JSON most of the time, so the endpoints' field
/// handling is what gets exercised: type confusion, edge numbers, deep nesting, long and odd
/// strings, fields removed, added, duplicated; then now and then byte-level damage (invalid
/// UTF-8 included) on the text.
/// </summary>
internal static class JsonMutator
{
    private static readonly string[] Numbers =
        ["0", "-1", "1.5", "-0", "1e308", "1e400", "-1e400", "255", "256", "65535", "65536", "2147483647", "2147483648",
         "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
         "123456789012345678901234567890", "0.000000000000000000001", "1E+2", "5e-324"];

    private static readonly string[] Strings =
        ["", " ", "0", "true", "null", "-1", "1e400", ".*", "#", "*", "amq.gen-x", "amq.default", "amq.direct", "/", "%2F",
         "ünïcødé", "😀", "a\u0000b", "\t\r\n", "x-match", "all", "any", "classic", "quorum", "stream", "topic", "headers",
         "reject-publish", "drop-head", "lazy", "ack_requeue_true", "reject_requeue_false", "base64", "json", "string", "auto",
         "manual", "AAAA", "!!!", "{}", "[]", "administrator"];
    // Not "guest": the fuzzer logs in as guest, and a definitions import may legitimately change its password.

    /// <summary>Lets the nested values below be written: System.Text.Json's default writer depth is 64.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions Deep = new() { MaxDepth = 10_000 };

    public static byte[] Mutate(Random random, JsonNode? seed, IReadOnlyList<byte[]> corpus)
    {
        var node = seed?.DeepClone();
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++) node = MutateTree(random, node);
        byte[] text;
        try
        {
            text = node is null ? [] : Encoding.UTF8.GetBytes(node.ToJsonString(Deep));
        }
        catch (InvalidOperationException)
        {
            // Nesting piled on nesting past the writer's limit: send the seed instead.
            text = seed is null ? [] : Encoding.UTF8.GetBytes(seed.ToJsonString(Deep));
        }
        switch (random.Next(8))
        {
            case 0: return ByteMutator.Mutate(random, text, corpus);
            case 1: return DuplicateField(random, text);
            case 2: return InvalidUtf8(random, text);
            case 3: return LoneSurrogate(random, text);
            default: return text;
        }
    }

    private static JsonNode? MutateTree(Random random, JsonNode? root)
    {
        if (root is null) return random.Next(2) == 0 ? new JsonObject() : RandomValue(random, 0);
        var all = new List<JsonNode>();
        Collect(root, all);
        var target = all[random.Next(all.Count)];
        var replacement = random.Next(10) switch
        {
            0 => Nest(random, target.DeepClone()),
            1 => (JsonNode?)null,
            _ => RandomValue(random, 0),
        };
        switch (random.Next(5))
        {
            case 0 when target is JsonObject o: // add a field (an unknown one, or a known one of another object)
                o[random.Next(3) == 0 ? "x-" + random.Next(100) : Pick(random, Strings)] = replacement;
                return root;
            case 1 when target is JsonObject o && o.Count > 0: // remove a field
                o.Remove(o.ElementAt(random.Next(o.Count)).Key);
                return root;
            case 2 when target is JsonArray a:
                a.Add(replacement);
                return root;
            default:
                if (target.Parent is null) return replacement;
                if (target.Parent is JsonObject parent) parent[target.GetPropertyName()] = replacement;
                else if (target.Parent is JsonArray array) array[target.GetElementIndex()] = replacement;
                return root;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> all)
    {
        all.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) { if (v is not null) Collect(v, all); }
        else if (node is JsonArray a) foreach (var v in a) { if (v is not null) Collect(v, all); }
    }

    public static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 5 : 8) switch
    {
        0 => JsonValue.Create(random.Next(2) == 0),
        1 => JsonNode.Parse(Pick(random, Numbers)),
        2 or 3 => JsonValue.Create(Pick(random, Strings)),
        4 => JsonValue.Create(LongString(random)),
        5 => new JsonArray(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
        6 => new JsonObject { [Pick(random, Strings)] = RandomValue(random, depth + 1) },
        _ => null,
    };

    /// <summary>256, 300, 4,000 or 100,000 characters, sometimes multi-byte: past AMQP's short-string limit in UTF-8.</summary>
    private static string LongString(Random random)
    {
        int length = new[] { 255, 256, 300, 4000, 100_000 }[random.Next(5)];
        return random.Next(3) == 0 ? new string('é', length / 2 + 1) : new string('k', length);
    }

    /// <summary>The node wrapped in 10 to 5,000 arrays or objects: deeper than any parser's default depth.</summary>
    private static JsonNode Nest(Random random, JsonNode? inner)
    {
        int depth = new[] { 10, 63, 64, 65, 200, 5000 }[random.Next(6)];
        string open = random.Next(2) == 0 ? "[" : "{\"a\":";
        string close = open == "[" ? "]" : "}";
        var text = new StringBuilder();
        for (int i = 0; i < depth; i++) text.Append(open);
        text.Append(inner?.ToJsonString(Deep) ?? "null");
        for (int i = 0; i < depth; i++) text.Append(close);
        try
        {
            return JsonNode.Parse(text.ToString(), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 10_000 })!;
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text.ToString());
        }
    }

    /// <summary>Repeats the first field of the top object ({"a":1,"a":2}), which JsonNode cannot express.</summary>
    private static byte[] DuplicateField(Random random, byte[] text)
    {
        string json = Encoding.UTF8.GetString(text);
        if (json.Length < 3 || json[0] != '{' || json == "{}") return text;
        int end = json.IndexOf(',', StringComparison.Ordinal);
        string first = end > 0 ? json[1..end] : json[1..^1];
        return Encoding.UTF8.GetBytes("{" + first + "," + json[1..]);
    }

    /// <summary>Puts a byte sequence that is not UTF-8 inside a string of the body.</summary>
    private static byte[] InvalidUtf8(Random random, byte[] text)
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]];
        int quote = Array.IndexOf(text, (byte)'"', random.Next(Math.Max(1, text.Length)));
        if (quote < 0) quote = Array.IndexOf(text, (byte)'"');
        if (quote < 0) return text;
        return [.. text.AsSpan(0, quote + 1), .. bad[random.Next(bad.Length)], .. text.AsSpan(quote + 1)];
    }

    /// <summary>A JSON escape of an unpaired surrogate, which is valid JSON but no valid string.</summary>
    private static byte[] LoneSurrogate(Random random, byte[] text)
    {
        int quote = Array.IndexOf(text, (byte)'"', random.Next(Math.Max(1, text.Length)));
        if (quote < 0) return text;
        string escape = random.Next(2) == 0 ? "\\ud800" : "\\udfff";
        return [.. text.AsSpan(0, quote + 1), .. Encoding.ASCII.GetBytes(escape), .. text.AsSpan(quote + 1)];
    }

    private static string Pick(Random random, string[] options) => options[random.Next(options.Length)];
}
