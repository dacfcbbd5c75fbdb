using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tidings.Sqs.Protocol;

/// <summary>An AWS JSON 1.0 result: one object with the output members.</summary>
public sealed class JsonOutput : SqsOutput, IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public JsonOutput()
    {
        // Bodies are any Unicode text; the relaxed encoder keeps them readable and exact (JSON escapes still applied).
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        _json.WriteStartObject();
    }

    /// <summary>Closes the object and returns the bytes.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenMemory;
    }

    public override void String(string name, string value) => _json.WriteString(name, value);

    public override void Bool(string name, bool value) => _json.WriteBoolean(name, value);

    public override void Number(string name, long value) => _json.WriteNumber(name, value);

    public override void StartList(string name, string itemName) => _json.WriteStartArray(name);

    public override void EndList() => _json.WriteEndArray();

    public override void ListString(string value) => _json.WriteStringValue(value);

    public override void StartItem() => _json.WriteStartObject();

    public override void EndItem() => _json.WriteEndObject();

    public override void StartMap(string name, string entryName, string keyName = "Name", string valueName = "Value") => _json.WriteStartObject(name);

    public override void EndMap() => _json.WriteEndObject();

    public override void MapString(string key, string value) => _json.WriteString(key, value);

    public override void StartMapEntry(string key) => _json.WriteStartObject(key);

    public override void EndMapEntry() => _json.WriteEndObject();

    public void Dispose() => _json.Dispose();
}
