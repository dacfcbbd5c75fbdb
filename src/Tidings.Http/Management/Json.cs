using System.Collections;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core.Messages;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// JSON in and out of the management API: replies are built as ordered dictionaries with
/// RabbitMQ's field names; AMQP field values (arguments, headers, client properties) are
/// converted both ways here.
/// </summary>
internal static class Json
{
    /// <summary>
    /// The shared HTTP options, with relaxed escaping so names such as "a -> b" read as they are
    /// (the default encoder writes "-\u003E").
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(HttpJson.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A 200 reply with <paramref name="value"/> as JSON.</summary>
    public static IResult Ok(object? value) => Results.Json(value, Options);

    /// <summary>A reply with a status code and a JSON body.</summary>
    public static IResult Reply(object? value, int status) => Results.Json(value, Options, statusCode: status);

    /// <summary>{"rate": r}, RabbitMQ's *_details object.</summary>
    public static Dictionary<string, object?> Rate(double rate) => new() { ["rate"] = Math.Round(rate, 2) };

    // ---- AMQP values to JSON ----

    /// <summary>A field value as a JSON-friendly object (strings, numbers, booleans, maps, lists).</summary>
    public static object? FromField(object? value) => value switch
    {
        null => null,
        string or bool or long or int or short or sbyte or byte or ushort or uint or ulong or double or float or decimal => value,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        RawText text => Encoding.UTF8.GetString(text.Bytes),
        DateTimeOffset timestamp => timestamp.ToUnixTimeSeconds(),
        AttributeValue attribute => FromField(attribute.Value),
        MessageHeaders headers => FromTable(headers.FirstValues()),
        IEnumerable<KeyValuePair<string, object?>> table => FromTable(table),
        IEnumerable list => list.Cast<object?>().Select(FromField).ToList(),
        _ => value.ToString(),
    };

    /// <summary>A field table as a JSON object (empty for null).</summary>
    public static Dictionary<string, object?> FromTable(IEnumerable<KeyValuePair<string, object?>>? table)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (table is null) return result;
        foreach (var (key, value) in table) result[key] = FromField(value);
        return result;
    }

    // ---- JSON to AMQP values ----

    /// <summary>A JSON value as a field value: integers become long, other numbers double.</summary>
    public static object? ToField(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out long l) ? (object)l : FiniteDouble(value),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object => ToTable(value, "table"),
        JsonValueKind.Array => value.EnumerateArray().Select(ToField).ToList(),
        _ => null,
    };

    /// <summary>
    /// 1e400 reads as infinity, which no JSON writer takes back: kept, it made every later
    /// listing of the object (and the definitions file) throw. Found by fuzzing; a 400 instead.
    /// </summary>
    private static double FiniteDouble(JsonElement value) =>
        value.GetDouble() is var d && double.IsFinite(d) ? d : throw Bad($"number {value.GetRawText()} is out of range");

    /// <summary>A JSON object as a field table; 400 when it is not an object.</summary>
    public static Dictionary<string, object?> ToTable(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Object) throw Bad($"{name} must be an object");
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject()) table[property.Name] = ToField(property.Value);
        return table;
    }

    public static string AsString(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw Bad($"{name} must be a string"),
    };

    /// <summary>true/false, also as the strings "true"/"false" which some tools send.</summary>
    public static bool AsBool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out bool b) => b,
        _ => throw Bad($"{name} must be a boolean"),
    };

    public static long AsLong(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out long l) => l,
        JsonValueKind.String when long.TryParse(value.GetString(), out long l) => l,
        _ => throw Bad($"{name} must be an integer"),
    };

    /// <summary>Tags as RabbitMQ accepts them: "a,b" or ["a","b"].</summary>
    public static List<string> AsTags(JsonElement? value)
    {
        if (value is not { } v) return [];
        IEnumerable<string> raw = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!.Split(','),
            JsonValueKind.Array => v.EnumerateArray().Select(e => AsString(e, "tags")),
            _ => throw Bad("tags must be a string or a list"),
        };
        return [.. raw.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];
    }

    private static ApiError Bad(string reason) => new(HttpErrors.BadRequest(reason));
}
