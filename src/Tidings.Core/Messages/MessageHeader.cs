namespace Tidings.Core.Messages;

/// <summary>
/// One header of a message: a name and a typed value. Names may repeat (MQTT 5 user properties
/// do), and order is kept. Values are plain .NET objects every adapter can read: null, bool,
/// sbyte, byte, short, ushort, int, uint, long, float, double, decimal, string, byte[],
/// <see cref="DateTimeOffset"/>, <see cref="RawText"/>, <see cref="AttributeValue"/>, a nested
/// table (<c>IReadOnlyDictionary&lt;string, object?&gt;</c>) or an array (<c>IList&lt;object?&gt;</c>).
/// </summary>
public readonly record struct MessageHeader(string Name, object? Value);
