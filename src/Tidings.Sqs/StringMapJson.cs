using System.Text.Json;

namespace Tidings.Sqs;

/// <summary>The string → string maps (attributes, tags) of the SQS and SNS catalog files, written in key order so a file is stable.</summary>
internal static class StringMapJson
{
    public static Dictionary<string, string> Read(JsonElement element)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject()) map[property.Name] = property.Value.GetString()!;
        return map;
    }

    public static void Write(Utf8JsonWriter json, string name, IEnumerable<KeyValuePair<string, string>> map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
        json.WriteEndObject();
    }
}
