using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Tidings.Core.Definitions;
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

    /// <summary>
    /// A field value for a listing, as RabbitMQ's management API shows it (Tidings.Core.Definitions.FieldValueJson,
    /// display style: bytes that are not UTF-8 as "Not UTF-8, base64 is: …", timestamps as Unix seconds).
    /// Tables stay dictionaries so a listing's dotted sort and column paths reach into them; plain
    /// strings, booleans and numbers stay as they are; everything else is written by the one mapper.
    /// </summary>
    public static object? FromField(object? value) => value switch
    {
        null or string or bool or long or int or short or sbyte or byte or ushort or uint or ulong => value,
        double d when double.IsFinite(d) => value,
        MessageHeaders headers => FromTable(headers.FirstValues()),
        IEnumerable<KeyValuePair<string, object?>> table => FromTable(table),
        _ => new DisplayValue(value),
    };

    /// <summary>A field table as a JSON object (empty for null).</summary>
    public static Dictionary<string, object?> FromTable(IEnumerable<KeyValuePair<string, object?>>? table)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (table is null) return result;
        foreach (var (key, value) in table) result[key] = FromField(value);
        return result;
    }

    /// <summary>A value the serializer hands to <see cref="FieldValueJson"/>.</summary>
    [JsonConverter(typeof(DisplayValueConverter))]
    private sealed record DisplayValue(object Value);

    private sealed class DisplayValueConverter : JsonConverter<DisplayValue>
    {
        public override DisplayValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("listings are written, not read");

        public override void Write(Utf8JsonWriter writer, DisplayValue value, JsonSerializerOptions options) =>
            FieldValueJson.Write(writer, value.Value, FieldJsonStyle.Display);
    }

    // ---- JSON to AMQP values ----

    /// <summary>
    /// A JSON value as a field value (FieldValueJson: integers become long, other numbers double,
    /// tagged objects such as {"$binary": base64} their value). 1e400 is a 400: read as infinity,
    /// kept, it made every later listing of the object throw (found by fuzzing).
    /// </summary>
    public static object? ToField(JsonElement value)
    {
        try
        {
            return FieldValueJson.Read(value);
        }
        catch (FormatException e)
        {
            throw Bad(e.Message);
        }
    }

    /// <summary>A JSON object as a field table; 400 when it is not an object or holds a value <see cref="ToField"/> refuses.</summary>
    public static Dictionary<string, object?> ToTable(JsonElement value, string name)
    {
        try
        {
            return FieldValueJson.ReadTable(value, name);
        }
        catch (FormatException e)
        {
            throw Bad(e.Message);
        }
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
