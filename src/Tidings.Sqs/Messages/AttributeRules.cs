using System.Globalization;
using System.Text;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Messages;

/// <summary>AWS's rules for message attributes: at most 10, names, data types and values (the model's documentation).</summary>
public static class AttributeRules
{
    public const int MaxAttributes = 10;

    public static void Check(IReadOnlyList<SqsAttribute> attributes)
    {
        if (attributes.Count > MaxAttributes)
            throw SqsErrors.InvalidParameterValue($"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{MaxAttributes}].");
        foreach (var attribute in attributes) CheckOne(attribute);
    }

    /// <summary>Bytes the attributes count towards the message size: name, type and value of each.</summary>
    public static long Size(IReadOnlyList<SqsAttribute> attributes)
    {
        long size = 0;
        foreach (var a in attributes)
        {
            size += Encoding.UTF8.GetByteCount(a.Name) + Encoding.UTF8.GetByteCount(a.DataType);
            size += a.BinaryValue?.Length ?? Encoding.UTF8.GetByteCount(a.StringValue ?? "");
        }
        return size;
    }

    private static void CheckOne(SqsAttribute a)
    {
        string name = a.Name;
        bool validName = name.Length is >= 1 and <= 256 && !name.StartsWith('.') && !name.EndsWith('.') && !name.Contains("..", StringComparison.Ordinal) &&
                         !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase);
        foreach (char c in name) validName &= char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
        if (!validName) throw SqsErrors.InvalidParameterValue($"Message attribute name '{name}' is invalid.");
        if (a.DataType.Length == 0)
            throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' must contain non-empty message attribute type.");
        string baseType = a.DataType.Split('.', 2)[0];
        if (baseType is not ("String" or "Number" or "Binary") || a.DataType.Length > 256)
            throw SqsErrors.InvalidParameterValue($"The type of message attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
        if (baseType == "Binary")
        {
            if (a.BinaryValue is null || a.BinaryValue.Length == 0)
                throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' with type 'Binary' must use field 'Binary'.");
            return;
        }
        if (string.IsNullOrEmpty(a.StringValue))
            throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' with type '{baseType}' must use field 'String'.");
        if (!MessageText.IsAllowed(a.StringValue))
            throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' contains invalid characters.");
        if (baseType == "Number" && !IsNumber(a.StringValue))
            throw SqsErrors.InvalidParameterValue($"Can't cast the value of message (user) attribute '{name}' to a number.");
    }

    /// <summary>AWS numbers: up to 38 significant digits, from -10^128 to +10^126.</summary>
    private static bool IsNumber(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ||
        (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && Math.Abs(d) <= 1e128);
}
