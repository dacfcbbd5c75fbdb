using System.Buffers;
using System.Text.Json;
using Tidings.Storage;

namespace Tidings.LogQueue;

/// <summary>
/// The id catalog file, <c>&lt;data&gt;/logqueue/ids.json</c>: the last id handed out and every
/// registered producer and consumer with its topic, replaced as a whole with
/// <see cref="AtomicFile"/> so a crash leaves the old file or the new one. Consumer positions are
/// not here: they live in each stream's log.
/// </summary>
internal static class ClientCatalogFile
{
    public const string FolderName = "logqueue";
    private const string FileName = "ids.json";

    public static (long LastId, List<RegisteredClient> Clients) Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var clients = new List<RegisteredClient>();
        AtomicFile.DropUnfinished(path);
        if (!File.Exists(path)) return (0, clients);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            long lastId = root.GetProperty("last_id").GetInt64();
            foreach (var c in root.GetProperty("clients").EnumerateArray())
            {
                var role = c.GetProperty("role").GetString() switch
                {
                    "producer" => ClientRole.Producer,
                    "consumer" => ClientRole.Consumer,
                    var other => throw new FormatException($"unknown role '{other}'"),
                };
                clients.Add(new RegisteredClient(c.GetProperty("id").GetInt64(), role, c.GetProperty("topic").GetString()!));
            }
            return (lastId, clients);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"logging-queue id catalog '{path}' is damaged: {e.Message}", e);
        }
    }

    public static void Write(string directory, long lastId, IEnumerable<RegisteredClient> clients)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteNumber("last_id", lastId);
            json.WriteStartArray("clients");
            foreach (var client in clients)
            {
                json.WriteStartObject();
                json.WriteNumber("id", client.Id);
                json.WriteString("role", client.Role == ClientRole.Producer ? "producer" : "consumer");
                json.WriteString("topic", client.Topic);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        AtomicFile.Replace(Path.Combine(directory, FileName), buffer.WrittenSpan);
    }
}
