using System.Buffers;
using System.Text.Json;
using Tidings.Storage;

namespace Tidings.Sqs.Queues;

/// <summary>
/// The SQS catalog file, <c>&lt;data&gt;/sqs/queues.json</c>: each SQS queue's attributes, tags and
/// permissions, replaced as a whole (written beside, fsynced, renamed over, the folder fsynced), so
/// a crash leaves the old file or the new one. The messages themselves are in the broker's store.
/// </summary>
internal static class SqsCatalogFile
{
    public const string FolderName = "sqs";
    private const string FileName = "queues.json";

    public sealed record Entry(string Name, long Created, long Modified, IReadOnlyDictionary<string, string> Attributes,
        IReadOnlyDictionary<string, string> Tags, IReadOnlyList<QueuePermission> Permissions);

    public static List<Entry> Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var entries = new List<Entry>();
        AtomicFile.DropUnfinished(path);
        if (!File.Exists(path)) return entries;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var q in document.RootElement.GetProperty("queues").EnumerateArray())
            {
                var permissions = new List<QueuePermission>();
                foreach (var p in q.GetProperty("permissions").EnumerateArray())
                {
                    permissions.Add(new QueuePermission(p.GetProperty("label").GetString()!,
                        [.. p.GetProperty("accounts").EnumerateArray().Select(a => a.GetString()!)],
                        [.. p.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)]));
                }
                entries.Add(new Entry(q.GetProperty("name").GetString()!, q.GetProperty("created").GetInt64(),
                    q.GetProperty("modified").GetInt64(), StringMapJson.Read(q.GetProperty("attributes")), StringMapJson.Read(q.GetProperty("tags")), permissions));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"SQS catalog file '{path}' is damaged: {e.Message}", e);
        }
        return entries;
    }

    public static void Write(string directory, IEnumerable<SqsQueue> queues)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartArray("queues");
            foreach (var queue in queues)
            {
                json.WriteStartObject();
                json.WriteString("name", queue.Name);
                json.WriteNumber("created", queue.CreatedSeconds);
                json.WriteNumber("modified", queue.ModifiedSeconds);
                StringMapJson.Write(json, "attributes", queue.Settings.Values);
                StringMapJson.Write(json, "tags", queue.Tags);
                json.WriteStartArray("permissions");
                foreach (var permission in queue.Permissions)
                {
                    json.WriteStartObject();
                    json.WriteString("label", permission.Label);
                    json.WriteStartArray("accounts");
                    foreach (var account in permission.Accounts) json.WriteStringValue(account);
                    json.WriteEndArray();
                    json.WriteStartArray("actions");
                    foreach (var action in permission.Actions) json.WriteStringValue(action);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        AtomicFile.Replace(Path.Combine(directory, FileName), buffer.WrittenSpan);
    }
}
