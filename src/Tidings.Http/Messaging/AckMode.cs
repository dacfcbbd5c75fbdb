namespace Tidings.Http.Messaging;

/// <summary>How deliveries to a REST client are settled.</summary>
internal enum AckMode
{
    /// <summary>The client acks or nacks each delivery; unsettled ones are requeued when it goes away.</summary>
    Manual,

    /// <summary>
    /// A delivery counts as acked once it is written to the client. The core consumer still acks
    /// (noAck=false), after the write, so prefetch keeps bounding what waits in memory.
    /// </summary>
    Auto,
}

internal static class AckModes
{
    /// <summary>Parses "manual" or "auto"; null (absent) gives <paramref name="fallback"/>.</summary>
    public static AckMode Parse(string? text, AckMode fallback = AckMode.Manual) => text switch
    {
        null or "" => fallback,
        _ when text.Equals("manual", StringComparison.OrdinalIgnoreCase) => AckMode.Manual,
        _ when text.Equals("auto", StringComparison.OrdinalIgnoreCase) => AckMode.Auto,
        _ => throw RestException.BadRequest($"ack must be 'manual' or 'auto', not '{text}'"),
    };

    public static string Name(this AckMode mode) => mode == AckMode.Auto ? "auto" : "manual";
}
