using System.Globalization;
using Tidings.Sqs.Messages;

namespace Tidings.Sqs.Protocol;

/// <summary>
/// Parameters of an AWS Query request: form fields (or the query string), lists and maps
/// flattened with 1-based indexes. A nested structure (a batch entry) is the same fields under a
/// prefix such as <c>SendMessageBatchRequestEntry.3.</c>.
/// </summary>
public sealed class QueryInput(IReadOnlyDictionary<string, string> fields, string prefix = "") : SqsInput
{
    /// <summary>Most items a flattened list may have; stops a request from making the server count forever.</summary>
    private const int MaxItems = 100;

    public override string? String(string name) => fields.GetValueOrDefault(prefix + name);

    public override int? Int(string name)
    {
        if (String(name) is not { } text) return null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw SqsErrors.InvalidParameterValue($"Value {text} for parameter {name} is invalid. Reason: must be an integer.");
    }

    public override bool? Bool(string name) =>
        String(name) switch
        {
            null => null,
            var text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            var text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            var text => throw SqsErrors.InvalidParameterValue($"Value {text} for parameter {name} is invalid. Reason: must be a boolean."),
        };

    public override List<string> StringList(string name, string queryName)
    {
        var list = new List<string>();
        for (int i = 1; i <= MaxItems && fields.TryGetValue($"{prefix}{queryName}.{i}", out var item); i++) list.Add(item);
        return list;
    }

    public override Dictionary<string, string> StringMap(string name, string queryName, string keyName = "Name", string valueName = "Value")
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i <= MaxItems && fields.TryGetValue($"{prefix}{queryName}.{i}.{keyName}", out var key); i++)
        {
            map[key] = fields.GetValueOrDefault($"{prefix}{queryName}.{i}.{valueName}") ?? "";
        }
        return map;
    }

    public override List<SqsAttribute> Attributes(string name, string queryName)
    {
        var list = new List<SqsAttribute>();
        for (int i = 1; i <= MaxItems && fields.TryGetValue($"{prefix}{queryName}.{i}.Name", out var attributeName); i++)
        {
            var value = new QueryInput(fields, $"{prefix}{queryName}.{i}.Value.");
            byte[]? binary = null;
            if (value.String("BinaryValue") is { } base64)
            {
                try
                {
                    binary = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    throw SqsErrors.InvalidParameterValue($"BinaryValue of message attribute '{attributeName}' is not base64.");
                }
            }
            list.Add(new SqsAttribute(attributeName, value.String("DataType") ?? "", value.String("StringValue"), binary));
        }
        return list;
    }

    public override List<SqsInput> Entries(string name, string queryName)
    {
        var list = new List<SqsInput>();
        for (int i = 1; i <= MaxItems; i++)
        {
            string entryPrefix = $"{prefix}{queryName}.{i}.";
            if (!HasAny(entryPrefix)) break;
            list.Add(new QueryInput(fields, entryPrefix));
        }
        return list;
    }

    private bool HasAny(string entryPrefix)
    {
        foreach (var key in fields.Keys)
            if (key.StartsWith(entryPrefix, StringComparison.Ordinal)) return true;
        return false;
    }
}
