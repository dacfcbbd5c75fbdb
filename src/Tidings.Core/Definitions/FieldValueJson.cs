using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Tidings.Core.Messages;

namespace Tidings.Core.Definitions;

/// <summary>How <see cref="FieldValueJson"/> writes the values plain JSON has no type for.</summary>
public enum FieldJsonStyle
{
    /// <summary>
    /// Lossless, for definitions: a byte array is <c>{"$binary": base64}</c>, a long string that
    /// is not UTF-8 <c>{"$longstr": base64}</c>, a timestamp <c>{"$timestamp": ISO 8601}</c>, a
    /// decimal <c>{"$decimal": text}</c>, a non-finite float <c>{"$double": "NaN"}</c>, an
    /// attribute value <c>{"$attribute": {"type": …, "value": …}}</c>; reading gives the same value back.
    /// </summary>
    Exact,

    /// <summary>
    /// As RabbitMQ's management API shows values (rabbit_mgmt_format:amqp_value): bytes that are
    /// UTF-8 as that text, other bytes as <c>"Not UTF-8, base64 is: …"</c>; timestamps as Unix
    /// seconds; decimals as numbers.
    /// </summary>
    Display,

    /// <summary>As <see cref="Display"/>, but bytes of any kind as a plain base64 string: the REST messaging format.</summary>
    Base64,
}

/// <summary>
/// The one mapping between header/argument values (see <see cref="FieldValue"/>) and JSON, used by
/// the definitions format, the management API's arguments and listings and the REST messaging JSON.
/// Reading recognises the tagged objects of <see cref="FieldJsonStyle.Exact"/> everywhere; integers
/// of any width read back as <see cref="long"/> and floats as <see cref="double"/>, which AMQP's
/// equivalence compares by value.
/// </summary>
public static class FieldValueJson
{
    /// <summary>Tag of a byte array (AMQP <c>x</c>).</summary>
    public const string BinaryTag = "$binary";

    /// <summary>Tag of a long string whose bytes are not UTF-8 (<see cref="RawText"/>).</summary>
    public const string LongStringTag = "$longstr";

    /// <summary>Tag of a timestamp (<see cref="DateTimeOffset"/>), ISO 8601 round-trip text.</summary>
    public const string TimestampTag = "$timestamp";

    /// <summary>Tag of a decimal, as invariant text (scale kept).</summary>
    public const string DecimalTag = "$decimal";

    /// <summary>Tag of a NaN or infinite float, which JSON numbers cannot carry.</summary>
    public const string DoubleTag = "$double";

    /// <summary>Tag of an <see cref="AttributeValue"/>: <c>{"type": data type, "value": string or {"$binary": …}}</c>.</summary>
    public const string AttributeTag = "$attribute";

    /// <summary>Wraps a table whose only key is one of these tags, so it is not read as a tagged value.</summary>
    public const string TableTag = "$table";

    /// <summary>RabbitMQ's prefix for a binary value that is not UTF-8 (rabbit_mgmt_format:utf8_safe).</summary>
    public const string NotUtf8Prefix = "Not UTF-8, base64 is: ";

    // ---- writing ----

    /// <summary>Writes one value.</summary>
    public static void Write(Utf8JsonWriter json, object? value, FieldJsonStyle style)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case ulong u: json.WriteNumberValue(u); break;
            case sbyte or byte or short or ushort or int or uint or long: json.WriteNumberValue(FieldValue.AsLong(value)!.Value); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case double or float:
                string text = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                if (style == FieldJsonStyle.Exact) WriteTagged(json, DoubleTag, text);
                else json.WriteStringValue(text);
                break;
            case decimal m:
                if (style == FieldJsonStyle.Exact) WriteTagged(json, DecimalTag, m.ToString(CultureInfo.InvariantCulture));
                else json.WriteNumberValue(m);
                break;
            case DateTimeOffset t:
                if (style == FieldJsonStyle.Exact) WriteTagged(json, TimestampTag, t.ToString("O", CultureInfo.InvariantCulture));
                else json.WriteNumberValue(t.ToUnixTimeSeconds());
                break;
            case byte[] bytes: WriteBytes(json, bytes, BinaryTag, style); break;
            case RawText raw: WriteBytes(json, raw.Bytes, LongStringTag, style); break;
            case AttributeValue attribute when style == FieldJsonStyle.Exact:
                json.WriteStartObject();
                json.WriteStartObject(AttributeTag);
                json.WriteString("type", attribute.DataType);
                json.WritePropertyName("value");
                Write(json, attribute.Value, style);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case AttributeValue attribute: Write(json, attribute.Value, style); break;
            case MessageHeaders headers: WriteTable(json, headers.FirstValues(), style); break;
            case IEnumerable<KeyValuePair<string, object?>> table: WriteTable(json, table, style); break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (object? item in list) Write(json, item, style);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>Writes a table as a JSON object (an empty one for null).</summary>
    public static void WriteTable(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>>? table, FieldJsonStyle style)
    {
        bool wrap = style == FieldJsonStyle.Exact && table is not null && OnlyKeyIsTag(table);
        json.WriteStartObject();
        if (wrap) json.WriteStartObject(TableTag);
        if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                json.WritePropertyName(key);
                Write(json, value, style);
            }
        }
        if (wrap) json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>One value as JSON text (for canonical forms such as a binding's properties key).</summary>
    public static string ToJsonString(object? value, FieldJsonStyle style)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions(indented: false))) Write(json, value, style);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writer options for field values: relaxed escaping (names such as "a -> b" read as they are)
    /// and room for tables nested as deep as the core allows, inside a few levels of document.
    /// </summary>
    public static JsonWriterOptions WriterOptions(bool indented) => new()
    {
        Indented = indented,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 4 * Limits.BrokerLimits.MaxTableDepth,
    };

    private static void WriteTagged(Utf8JsonWriter json, string tag, string text)
    {
        json.WriteStartObject();
        json.WriteString(tag, text);
        json.WriteEndObject();
    }

    private static void WriteBytes(Utf8JsonWriter json, byte[] bytes, string tag, FieldJsonStyle style)
    {
        switch (style)
        {
            case FieldJsonStyle.Exact:
                json.WriteStartObject();
                json.WriteBase64String(tag, bytes);
                json.WriteEndObject();
                break;
            case FieldJsonStyle.Base64:
                json.WriteBase64StringValue(bytes);
                break;
            default:
                if (Utf8.IsValid(bytes)) json.WriteStringValue(bytes);
                else json.WriteStringValue(NotUtf8Prefix + SplitLines(Convert.ToBase64String(bytes)));
                break;
        }
    }

    /// <summary>Base64 in lines of 76 characters, as RabbitMQ renders it (MIME's line limit).</summary>
    private static string SplitLines(string base64)
    {
        if (base64.Length <= 76) return base64;
        var text = new StringBuilder(base64.Length + base64.Length / 76);
        for (int i = 0; i < base64.Length; i += 76)
        {
            if (i > 0) text.Append('\n');
            text.Append(base64, i, Math.Min(76, base64.Length - i));
        }
        return text.ToString();
    }

    private static bool OnlyKeyIsTag(IEnumerable<KeyValuePair<string, object?>> table)
    {
        int count = 0;
        string? key = null;
        foreach (var pair in table)
        {
            if (++count > 1) return false;
            key = pair.Key;
        }
        return count == 1 && IsTag(key!);
    }

    private static bool IsTag(string key) =>
        key is BinaryTag or LongStringTag or TimestampTag or DecimalTag or DoubleTag or AttributeTag or TableTag;

    // ---- reading ----

    /// <summary>
    /// A JSON value as a field value: strings, booleans, null, integers as long, other numbers as
    /// double, objects as tables (or the tagged value they spell), arrays as lists.
    /// </summary>
    /// <param name="value">The JSON value.</param>
    /// <param name="outOfRangeAsText">
    /// A number beyond a double's range (1e400) becomes its text instead of a refusal: a file
    /// written elsewhere then still loads.
    /// </param>
    /// <exception cref="FormatException">An out-of-range number, or a tagged object that does not hold its type's text.</exception>
    public static object? Read(JsonElement value, bool outOfRangeAsText = false) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out long l) => l,
        JsonValueKind.Number when value.TryGetUInt64(out ulong u) => u,
        // 1e400 reads as infinity, which no JSON writer takes back (found by fuzzing).
        JsonValueKind.Number => value.GetDouble() is var d && double.IsFinite(d) ? d
            : outOfRangeAsText ? value.GetRawText() : throw new FormatException($"number {value.GetRawText()} is out of range"),
        JsonValueKind.Object => ReadObject(value, outOfRangeAsText),
        JsonValueKind.Array => value.EnumerateArray().Select(item => Read(item, outOfRangeAsText)).ToList(),
        _ => null,
    };

    /// <summary>A JSON object as a table; null is an empty table.</summary>
    /// <exception cref="FormatException">Not an object, or a value <see cref="Read"/> refuses.</exception>
    public static Dictionary<string, object?> ReadTable(JsonElement value, string name, bool outOfRangeAsText = false)
    {
        if (value.ValueKind == JsonValueKind.Null) return new(StringComparer.Ordinal);
        if (value.ValueKind != JsonValueKind.Object) throw new FormatException($"{name} must be an object");
        return ReadPlainTable(value, outOfRangeAsText);
    }

    private static Dictionary<string, object?> ReadPlainTable(JsonElement value, bool outOfRangeAsText)
    {
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject()) table[property.Name] = Read(property.Value, outOfRangeAsText);
        return table;
    }

    private static object? ReadObject(JsonElement value, bool outOfRangeAsText)
    {
        using var properties = value.EnumerateObject();
        if (!properties.MoveNext()) return new Dictionary<string, object?>(StringComparer.Ordinal);
        var only = properties.Current;
        if (properties.MoveNext() || !IsTag(only.Name)) return ReadPlainTable(value, outOfRangeAsText);
        var tagged = only.Value;
        return only.Name switch
        {
            BinaryTag => Base64(tagged, BinaryTag),
            LongStringTag => new RawText(Base64(tagged, LongStringTag)),
            TimestampTag => DateTimeOffset.TryParseExact(Text(tagged, TimestampTag), "O", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var t) ? t : throw new FormatException($"{TimestampTag} must be an ISO 8601 time"),
            DecimalTag => decimal.TryParse(Text(tagged, DecimalTag), NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                ? m : throw new FormatException($"{DecimalTag} must be a decimal number"),
            DoubleTag => double.TryParse(Text(tagged, DoubleTag), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d : throw new FormatException($"{DoubleTag} must be a number"),
            AttributeTag => ReadAttribute(tagged),
            _ => tagged.ValueKind == JsonValueKind.Object ? ReadPlainTable(tagged, outOfRangeAsText)
                : throw new FormatException($"{TableTag} must be an object"),
        };
    }

    private static AttributeValue ReadAttribute(JsonElement tagged)
    {
        if (tagged.ValueKind != JsonValueKind.Object || !tagged.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !tagged.TryGetProperty("value", out var value))
            throw new FormatException($"{AttributeTag} must be an object with a type and a value");
        return new AttributeValue(type.GetString()!, Read(value) switch
        {
            string s => s,
            byte[] b => b,
            _ => throw new FormatException($"{AttributeTag} value must be a string or {BinaryTag}"),
        });
    }

    private static string Text(JsonElement value, string tag) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{tag} must be a string");

    private static byte[] Base64(JsonElement value, string tag) =>
        value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes) ? bytes
            : throw new FormatException($"{tag} must be a base64 string");
}
