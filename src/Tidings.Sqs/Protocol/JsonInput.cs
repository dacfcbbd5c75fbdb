using System.Text.Json;
using Tidings.Sqs.Messages;

namespace Tidings.Sqs.Protocol;

/// <summary>Parameters of an AWS JSON 1.0 request: the body's object, members by model name.</summary>
public sealed class JsonInput(JsonElement root, JsonDocument? document = null) : SqsInput, IDisposable
{
    /// <summary>Gives the parsed document's pooled buffers back; the input is not read afterwards.</summary>
    public void Dispose() => document?.Dispose();

    /// <summary>Parses a request body; anything but a JSON object is a SerializationException, as AWS answers.</summary>
    public static JsonInput Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return new JsonInput(default);
        try
        {
            // Kept open for the request (no Clone copy); the endpoint disposes the input at its end.
            var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw SqsErrors.Serialization("Start of structure or map found where not expected.");
            }
            try
            {
                RequireStrings(document.RootElement);
            }
            catch
            {
                document.Dispose();
                throw;
            }
            return new JsonInput(document.RootElement, document);
        }
        catch (JsonException e)
        {
            throw SqsErrors.Serialization($"Malformed JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Every string and member name must be text: an escaped unpaired surrogate ("\ud800") parses
    /// as JSON but throws InvalidOperationException when read, which was a 500 (found by the fuzzer).
    /// </summary>
    private static void RequireStrings(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        RequireStrings(property.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray()) RequireStrings(item);
                    break;
            }
        }
        catch (InvalidOperationException e)
        {
            throw SqsErrors.Serialization($"Malformed JSON: {e.Message}");
        }
    }

    private JsonElement? Member(string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public override string? String(string name)
    {
        if (Member(name) is not { } value) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Mistyped(name, "a string");
    }

    public override int? Int(string name)
    {
        if (Member(name) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)) return number;
        // Some clients send integers as strings; AWS takes them.
        if (value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out number)) return number;
        throw Mistyped(name, "an integer");
    }

    public override bool? Bool(string name)
    {
        if (Member(name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Mistyped(name, "a boolean"),
        };
    }

    public override List<string> StringList(string name, string queryName)
    {
        var list = new List<string>();
        if (Member(name) is not { } value) return list;
        if (value.ValueKind != JsonValueKind.Array) throw Mistyped(name, "a list");
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Mistyped(name, "a list of strings"));
        }
        return list;
    }

    public override Dictionary<string, string> StringMap(string name, string queryName, string keyName = "Name", string valueName = "Value")
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Member(name) is not { } value) return map;
        if (value.ValueKind != JsonValueKind.Object) throw Mistyped(name, "a map");
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw Mistyped(name, "a map of strings");
        }
        return map;
    }

    public override List<SqsAttribute> Attributes(string name, string queryName)
    {
        var list = new List<SqsAttribute>();
        if (Member(name) is not { } value) return list;
        if (value.ValueKind != JsonValueKind.Object) throw Mistyped(name, "a map");
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object) throw Mistyped(name, "a map of attribute values");
            var attribute = new JsonInput(property.Value);
            byte[]? binary = null;
            if (attribute.String("BinaryValue") is { } base64)
            {
                try
                {
                    binary = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    throw SqsErrors.Serialization($"BinaryValue of message attribute '{property.Name}' is not base64.");
                }
            }
            list.Add(new SqsAttribute(property.Name, attribute.String("DataType") ?? "", attribute.String("StringValue"), binary));
        }
        return list;
    }

    public override List<SqsInput> Entries(string name, string queryName)
    {
        var list = new List<SqsInput>();
        if (Member(name) is not { } value) return list;
        if (value.ValueKind != JsonValueKind.Array) throw Mistyped(name, "a list");
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.Object ? new JsonInput(item) : throw Mistyped(name, "a list of structures"));
        }
        return list;
    }

    private static SqsException Mistyped(string name, string expected) =>
        SqsErrors.Serialization($"'{name}' must be {expected}.");
}
