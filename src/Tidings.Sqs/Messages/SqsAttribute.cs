namespace Tidings.Sqs.Messages;

/// <summary>
/// One SQS message attribute (or message system attribute) as the wire carries it: a name, a data
/// type with its custom suffix ("Number.float", "Binary.jpg"), and either a string value (String
/// and Number types) or a binary value (Binary types, already decoded from base64).
/// </summary>
public readonly record struct SqsAttribute(string Name, string DataType, string? StringValue, byte[]? BinaryValue)
{
    /// <summary>True for Binary and its custom types ("Binary.jpg"); String and Number carry text.</summary>
    public bool IsBinary => DataType.StartsWith("Binary", StringComparison.Ordinal);
}
