namespace Tidings.LogQueue;

/// <summary>
/// The fields of one request, from its JSON body and its query string (the body wins). A field
/// that is absent is null; one of the wrong type makes <see cref="Problem"/> say so.
/// </summary>
internal sealed class LogQueueRequest
{
    /// <summary>"name" of create topic.</summary>
    public string? Name { get; set; }

    /// <summary>"topic" of every other operation.</summary>
    public string? Topic { get; set; }

    public long? ProducerId { get; set; }

    public long? ConsumerId { get; set; }

    /// <summary>"message" of a produce, as UTF-8.</summary>
    public byte[]? Message { get; set; }

    /// <summary>Why the input cannot be used (malformed JSON, a wrong type, an oversized message); null when it can.</summary>
    public string? Problem { get; set; }

    /// <summary>The required string field <paramref name="name"/>, or why it is unusable.</summary>
    public static string? Missing(string? value, string name) =>
        value is null ? $"missing field '{name}' (a string)" : value.Length == 0 ? $"field '{name}' must not be empty" : null;
}
