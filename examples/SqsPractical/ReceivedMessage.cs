namespace Tidings.Examples.SqsPractical;

/// <summary>One delivery as the receiver saw it; the same message delivered twice is two of these.</summary>
public sealed record ReceivedMessage(string Queue, string Client, int Number, string MessageId, string? SequenceNumber)
{
    public override string ToString() =>
        $"[{Queue}] {Client}: {NumberedMessage.Body(Number)}{(SequenceNumber is null ? "" : $" (sequence {SequenceNumber})")}";
}
