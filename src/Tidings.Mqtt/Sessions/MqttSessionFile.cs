using System.Buffers;
using System.Text.Json;
using Tidings.Storage;

namespace Tidings.Mqtt.Sessions;

/// <summary>
/// The sessions file, <c>&lt;data&gt;/mqtt-sessions/sessions.json</c>: every persistent session's
/// <see cref="MqttSessionState"/>, replaced as a whole (written beside, fsynced, renamed over, the
/// folder fsynced), so a crash leaves the old file or the new one, never half of one. Small by
/// nature: a session's open QoS 2 flows are bounded by its Receive Maximum.
/// </summary>
internal static class MqttSessionFile
{
    public const string FolderName = "mqtt-sessions";
    private const string FileName = "sessions.json";

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The sessions in <paramref name="directory"/>'s file; none when there is no file. A damaged file is an error naming it.</summary>
    public static List<MqttSessionState> Read(string directory)
    {
        string path = PathIn(directory);
        AtomicFile.DropUnfinished(path);
        var sessions = new List<MqttSessionState>();
        if (!File.Exists(path)) return sessions;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var s in document.RootElement.GetProperty("sessions").EnumerateArray())
            {
                sessions.Add(new MqttSessionState(
                    s.GetProperty("vhost").GetString()!,
                    s.GetProperty("client_id").GetString()!,
                    s.GetProperty("expiry").GetUInt32(),
                    s.GetProperty("detached_at").GetInt64(),
                    ReadIds(s.GetProperty("received")),
                    ReadIds(s.GetProperty("released")),
                    s.TryGetProperty("shared", out var shared) ? ReadShared(shared) : []));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"MQTT sessions file '{path}' is damaged: {e.Message}", e);
        }
        return sessions;
    }

    /// <summary>Replaces the file with <paramref name="sessions"/>; returns once it is on disk (when <paramref name="fsync"/>).</summary>
    public static void Write(string directory, IEnumerable<MqttSessionState> sessions, bool fsync)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartArray("sessions");
            foreach (var s in sessions)
            {
                json.WriteStartObject();
                json.WriteString("vhost", s.VirtualHost);
                json.WriteString("client_id", s.ClientId);
                json.WriteNumber("expiry", s.ExpirySeconds);
                json.WriteNumber("detached_at", s.DetachedAtMs);
                WriteIds(json, "received", s.Received);
                WriteIds(json, "released", s.Released);
                json.WriteStartArray("shared");
                foreach (var m in s.Shared)
                {
                    json.WriteStartObject();
                    json.WriteString("filter", m.Filter);
                    json.WriteNumber("qos", m.Qos);
                    json.WriteNumber("identifier", m.Identifier);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        AtomicFile.Replace(PathIn(directory), buffer.WrittenSpan, fsync);
    }

    private static ushort[] ReadIds(JsonElement array)
    {
        var ids = new ushort[array.GetArrayLength()];
        int i = 0;
        foreach (var id in array.EnumerateArray()) ids[i++] = id.GetUInt16();
        return ids;
    }

    private static MqttSharedMembership[] ReadShared(JsonElement array) =>
        [.. array.EnumerateArray().Select(m => new MqttSharedMembership(m.GetProperty("filter").GetString()!,
            m.GetProperty("qos").GetByte(), m.GetProperty("identifier").GetInt32()))];

    private static void WriteIds(Utf8JsonWriter json, string name, ushort[] ids)
    {
        json.WriteStartArray(name);
        foreach (ushort id in ids) json.WriteNumberValue(id);
        json.WriteEndArray();
    }
}
