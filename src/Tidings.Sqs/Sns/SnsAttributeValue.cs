namespace Tidings.Sqs.Sns;

/// <summary>
/// One SNS message attribute as a publisher sent it: its data type ("String", "Number",
/// "String.Array", "Binary", with an optional custom suffix such as "Number.float") and its value as
/// text. For String.Array the value is a JSON array ("[\"a\", 1]"); for Binary it is the base64 text.
/// </summary>
public readonly record struct SnsAttributeValue(string DataType, string Value);
