using System.Buffers;
using System.Text.Json;
using Tidings.Storage;

namespace Tidings.Sqs.Sns;

/// <summary>
/// The SNS catalog file, <c>&lt;data&gt;/sns/topics.json</c>: topics (attributes, tags) and
/// subscriptions (endpoint, attributes), replaced as a whole like the SQS catalog file (written
/// beside, fsynced, renamed over, the folder fsynced).
/// </summary>
internal static class SnsCatalogFile
{
    public const string FolderName = "sns";
    private const string FileName = "topics.json";

    public sealed record TopicEntry(string Name, long Created, Dictionary<string, string> Attributes, Dictionary<string, string> Tags);

    public sealed record SubscriptionEntry(string Arn, string Topic, string Protocol, string Endpoint, string Owner, Dictionary<string, string> Attributes);

    public static (List<TopicEntry> Topics, List<SubscriptionEntry> Subscriptions) Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var topics = new List<TopicEntry>();
        var subscriptions = new List<SubscriptionEntry>();
        AtomicFile.DropUnfinished(path);
        if (!File.Exists(path)) return (topics, subscriptions);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var t in document.RootElement.GetProperty("topics").EnumerateArray())
            {
                topics.Add(new TopicEntry(t.GetProperty("name").GetString()!, t.GetProperty("created").GetInt64(),
                    StringMapJson.Read(t.GetProperty("attributes")), StringMapJson.Read(t.GetProperty("tags"))));
            }
            foreach (var s in document.RootElement.GetProperty("subscriptions").EnumerateArray())
            {
                subscriptions.Add(new SubscriptionEntry(s.GetProperty("arn").GetString()!, s.GetProperty("topic").GetString()!,
                    s.GetProperty("protocol").GetString()!, s.GetProperty("endpoint").GetString()!, s.GetProperty("owner").GetString()!,
                    StringMapJson.Read(s.GetProperty("attributes"))));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"SNS catalog file '{path}' is damaged: {e.Message}", e);
        }
        return (topics, subscriptions);
    }

    public static void Write(string directory, IEnumerable<SnsTopic> topics, IEnumerable<SnsSubscription> subscriptions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartArray("topics");
            foreach (var topic in topics)
            {
                json.WriteStartObject();
                json.WriteString("name", topic.Name);
                json.WriteNumber("created", topic.CreatedSeconds);
                StringMapJson.Write(json, "attributes", topic.Attributes);
                StringMapJson.Write(json, "tags", topic.Tags);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("subscriptions");
            foreach (var subscription in subscriptions)
            {
                json.WriteStartObject();
                json.WriteString("arn", subscription.Arn);
                json.WriteString("topic", subscription.TopicName);
                json.WriteString("protocol", subscription.Protocol);
                json.WriteString("endpoint", subscription.Endpoint);
                json.WriteString("owner", subscription.Owner);
                StringMapJson.Write(json, "attributes", subscription.Attributes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        AtomicFile.Replace(Path.Combine(directory, FileName), buffer.WrittenSpan);
    }
}
