using System.Text.Json;

namespace Tidings.Testing;

/// <summary>One Server-Sent Event as the client saw it.</summary>
public sealed record SseEvent(string Type, string? Id, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}
