namespace Tidings.Examples.LoggingQueue;

/// <summary>One line read from a topic, with its offset and the producer that sent it.</summary>
public sealed record LogLine(long Offset, string Producer, string Text);
