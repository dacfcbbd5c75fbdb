using Tidings.Sqs.Messages;

namespace Tidings.Sqs.Protocol;

/// <summary>
/// A request's parameters, read the same way whichever wire protocol carried them. Members are
/// named as the API model names them; lists and maps also carry the Query protocol's flattened
/// names (<c>AttributeName.1</c>, <c>Attribute.1.Name</c>), which the model gives as locationName.
/// Malformed values are <see cref="SqsException"/>s the client sees.
/// </summary>
public abstract class SqsInput
{
    /// <summary>A string member; null when absent.</summary>
    public abstract string? String(string name);

    /// <summary>An integer member; null when absent.</summary>
    public abstract int? Int(string name);

    /// <summary>A boolean member; null when absent.</summary>
    public abstract bool? Bool(string name);

    /// <summary>A list of strings (JSON array; Query <c>queryName.1</c>, <c>queryName.2</c>, …); empty when absent.</summary>
    public abstract List<string> StringList(string name, string queryName);

    /// <summary>A map of strings (JSON object; Query <c>queryName.N.keyName</c> / <c>queryName.N.valueName</c>); empty when absent.</summary>
    public abstract Dictionary<string, string> StringMap(string name, string queryName, string keyName = "Name", string valueName = "Value");

    /// <summary>A map of message attribute values (MessageAttributes, MessageSystemAttributes), in the order sent.</summary>
    public abstract List<SqsAttribute> Attributes(string name, string queryName);

    /// <summary>A list of structures (batch entries), each read with its own input.</summary>
    public abstract List<SqsInput> Entries(string name, string queryName);

    /// <summary>A required string member.</summary>
    public string Required(string name) =>
        String(name) ?? throw SqsErrors.MissingParameter(name);
}
