namespace Tidings.Core.Messages;

/// <summary>
/// Text whose bytes are not valid UTF-8 (an AMQP long string from a lax client). Valid text is a
/// <see cref="string"/>; this keeps the rest byte-exact so it is sent on unchanged.
/// </summary>
public sealed record RawText(byte[] Bytes);

/// <summary>
/// A header value that carries the type name its protocol gave it: SQS message attributes
/// (<c>String</c>, <c>Number</c>, <c>Binary</c>, each with an optional custom suffix such as
/// <c>Number.float</c>), and AMQP values no plain .NET type holds exactly (<c>amqp.decimal</c>
/// beyond 28 decimal places). <see cref="Value"/> is a string or a byte[]; a protocol that does
/// not know the type name reads the value alone.
/// </summary>
public sealed record AttributeValue(string DataType, object Value)
{
    /// <summary>The value as text, or null when it is binary.</summary>
    public string? Text => Value as string;

    /// <summary>The value as bytes, or null when it is text.</summary>
    public byte[]? Binary => Value as byte[];

    /// <summary>The type before its first '.': String, Number or Binary for SQS attributes.</summary>
    public string BaseType => DataType.IndexOf('.') is var dot and >= 0 ? DataType[..dot] : DataType;

    /// <summary>Equal type names and equal values (byte[] compared by content).</summary>
    public bool Equals(AttributeValue? other) =>
        other is not null && DataType == other.DataType &&
        (Value is byte[] a && other.Value is byte[] b ? a.AsSpan().SequenceEqual(b) : Equals(Value, other.Value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(DataType, Value is byte[]? 0 : Value.GetHashCode());
}
