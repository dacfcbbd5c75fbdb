using System.Net;

namespace Tidings.Sqs.Sns;

/// <summary>What a single entry of a policy key's value array tests.</summary>
internal enum FilterConditionKind
{
    /// <summary>An exact string, number, true, false or null.</summary>
    Exact,
    Prefix,
    Suffix,
    EqualsIgnoreCase,
    AnythingBut,
    AnythingButPrefix,
    AnythingButSuffix,
    Numeric,
    Cidr,
    Exists,
}

/// <summary>
/// One entry of the array a policy key maps to; the key matches when any of its entries does.
/// Built and validated by <see cref="FilterPolicyParser"/>, immutable afterwards.
/// </summary>
internal sealed class FilterCondition
{
    // The values Exact compares with (one) and AnythingBut excludes (one or more).
    private readonly FilterValue[] _values;

    // Prefix, Suffix, EqualsIgnoreCase, AnythingButPrefix/Suffix: the pattern text.
    private readonly string _text;

    // Numeric: the lower bound (or the "=" value) and the upper bound; null when open.
    private readonly NumericBound? _lower;
    private readonly NumericBound? _upper;

    // Cidr: the network the value's IP address must fall in.
    private readonly IPNetwork _network;

    private FilterCondition(FilterConditionKind kind, FilterValue[]? values = null, string? text = null,
        NumericBound? lower = null, NumericBound? upper = null, IPNetwork network = default, bool exists = false)
    {
        Kind = kind;
        _values = values ?? [];
        _text = text ?? "";
        _lower = lower;
        _upper = upper;
        _network = network;
        MustExist = exists;
    }

    public FilterConditionKind Kind { get; }

    /// <summary>For Exists: whether the key must be present (true) or absent (false).</summary>
    public bool MustExist { get; }

    public static FilterCondition Exact(FilterValue value) => new(FilterConditionKind.Exact, values: [value]);

    public static FilterCondition Text(FilterConditionKind kind, string text) => new(kind, text: text);

    public static FilterCondition AnythingBut(FilterValue[] values) => new(FilterConditionKind.AnythingBut, values: values);

    public static FilterCondition Numeric(NumericBound? lower, NumericBound? upper) =>
        new(FilterConditionKind.Numeric, lower: lower, upper: upper);

    public static FilterCondition Cidr(IPNetwork network) => new(FilterConditionKind.Cidr, network: network);

    public static FilterCondition Exists(bool mustExist) => new(FilterConditionKind.Exists, exists: mustExist);

    /// <summary>Whether one scalar of the message satisfies this condition (Exists is decided by the caller).</summary>
    public bool Matches(FilterValue value)
    {
        switch (Kind)
        {
            case FilterConditionKind.Exact:
                return _values[0].SameAs(value);
            case FilterConditionKind.AnythingBut:
                foreach (var excluded in _values)
                {
                    if (excluded.SameAs(value))
                    {
                        return false;
                    }
                }

                return true;
            case FilterConditionKind.Numeric:
                return value.Kind == FilterValueKind.Number && InRange(FilterValue.NumericKey(value.Number));
            case FilterConditionKind.Exists:
                return false;
        }

        // The remaining conditions are string patterns: a number or a literal never matches them.
        if (value.Kind != FilterValueKind.String)
        {
            return false;
        }

        return Kind switch
        {
            FilterConditionKind.Prefix => value.Text.StartsWith(_text, StringComparison.Ordinal),
            FilterConditionKind.Suffix => value.Text.EndsWith(_text, StringComparison.Ordinal),
            FilterConditionKind.EqualsIgnoreCase => string.Equals(value.Text, _text, StringComparison.OrdinalIgnoreCase),
            FilterConditionKind.AnythingButPrefix => !value.Text.StartsWith(_text, StringComparison.Ordinal),
            FilterConditionKind.AnythingButSuffix => !value.Text.EndsWith(_text, StringComparison.Ordinal),
            FilterConditionKind.Cidr => IPAddress.TryParse(value.Text, out var address) && _network.Contains(address),
            _ => false,
        };
    }

    private bool InRange(double number)
    {
        if (_lower is { } lower && !lower.Admits(number))
        {
            return false;
        }

        return _upper is not { } upper || upper.Admits(number);
    }
}

/// <summary>
/// One side of a numeric condition: "=" pins the value, ">"/">=" bound it from below, "&lt;"/"&lt;="
/// from above. The value is already rounded to the documented five decimal digits.
/// </summary>
internal readonly record struct NumericBound(string Operator, double Value)
{
    public bool Admits(double number) => Operator switch
    {
        "=" => number == Value,
        ">" => number > Value,
        ">=" => number >= Value,
        "<" => number < Value,
        "<=" => number <= Value,
        _ => false,
    };
}
