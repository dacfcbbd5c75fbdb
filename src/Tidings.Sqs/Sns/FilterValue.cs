using System.Globalization;
using System.Text.Json;

namespace Tidings.Sqs.Sns;

/// <summary>The kinds of JSON scalar a filter compares; strings never equal numbers.</summary>
internal enum FilterValueKind
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// One scalar taken from a message (an attribute value, a String.Array element or a body leaf) or
/// from a policy. Numbers keep their parsed value so "1.0", "1" and "1e0" compare equal.
/// </summary>
internal readonly record struct FilterValue(FilterValueKind Kind, string Text, double Number)
{
    public static FilterValue OfString(string text) => new(FilterValueKind.String, text, 0);

    public static FilterValue OfNumber(double number) =>
        new(FilterValueKind.Number, number.ToString("R", CultureInfo.InvariantCulture), number);

    /// <summary>A JSON scalar as a filter value; null for objects and arrays, which are not scalars.</summary>
    public static FilterValue? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => OfString(element.GetString()!),
        JsonValueKind.Number => element.TryGetDouble(out var d) && double.IsFinite(d) ? OfNumber(d) : null,
        JsonValueKind.True => new FilterValue(FilterValueKind.True, "true", 0),
        JsonValueKind.False => new FilterValue(FilterValueKind.False, "false", 0),
        JsonValueKind.Null => new FilterValue(FilterValueKind.Null, "null", 0),
        _ => null,
    };

    /// <summary>
    /// Equality as SNS applies it: same kind, strings ordinal, numbers to the five decimal digits of
    /// accuracy AWS documents (so 0.000001 and 0.000002 are the same number to a filter).
    /// </summary>
    public bool SameAs(FilterValue other) => Kind == other.Kind && Kind switch
    {
        FilterValueKind.String => string.Equals(Text, other.Text, StringComparison.Ordinal),
        FilterValueKind.Number => NumericKey(Number) == NumericKey(other.Number),
        _ => true,
    };

    /// <summary>The number rounded to the documented accuracy; comparisons use this, not the raw double.</summary>
    public static double NumericKey(double number) => Math.Round(number, 5, MidpointRounding.AwayFromZero);
}
