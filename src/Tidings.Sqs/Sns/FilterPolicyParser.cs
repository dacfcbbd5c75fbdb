using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Tidings.Sqs.Sns;

/// <summary>
/// Turns policy JSON into a <see cref="FilterPolicyNode"/> tree, refusing what SNS refuses with the
/// reason texts AWS returns (as recorded against AWS by LocalStack's snapshot tests where known).
/// </summary>
internal static class FilterPolicyParser
{
    /// <summary>AWS: "The maximum size of a filter policy is 256 KB."</summary>
    public const int MaxPolicyBytes = 256 * 1024;

    /// <summary>AWS: "A filter policy can have a maximum of five keys"; for a nested policy only parent keys count.</summary>
    public const int MaxKeys = 5;

    /// <summary>AWS: "the total combination of values must not exceed 150".</summary>
    public const int MaxCombinations = 150;

    // Match-expression operators; an object in a "$or" array using one of them is not an "$or" branch.
    private static readonly HashSet<string> s_operators = new(StringComparer.Ordinal)
    {
        "prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard",
    };

    public static FilterPolicyNode Parse(string policyJson, FilterPolicyScope scope)
    {
        ArgumentNullException.ThrowIfNull(policyJson);
        if (Encoding.UTF8.GetByteCount(policyJson) > MaxPolicyBytes)
        {
            throw Invalid("FilterPolicy: Filter policy is too long");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(policyJson);
        }
        catch (JsonException e)
        {
            throw Invalid("FilterPolicy: failed to parse JSON. " + e.Message);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("FilterPolicy: Filter policy must be a JSON object");
            }

            var root = ParseObject(document.RootElement, [], scope);

            // Complexity first: it bounds the number of "$or" branches the key count expands.
            if (root.Combinations > MaxCombinations)
            {
                throw Invalid("FilterPolicy: Filter policy is too complex");
            }

            if (root.TopLevelKeysPerBranch().Any(keys => keys.Count > MaxKeys))
            {
                throw Invalid("FilterPolicy: Filter policy can not have more than 5 keys");
            }

            return root;
        }
    }

    private static FilterPolicyNode.AllOf ParseObject(JsonElement obj, string[] parentPath, FilterPolicyScope scope)
    {
        var children = new List<FilterPolicyNode>();
        foreach (var property in obj.EnumerateObject())
        {
            var value = property.Value;
            if (property.NameEquals("$or") && IsOrArray(value))
            {
                var branches = new List<FilterPolicyNode>();
                foreach (var branch in value.EnumerateArray())
                {
                    branches.Add(ParseObject(branch, parentPath, scope));
                }

                children.Add(new FilterPolicyNode.AnyOf(branches));
                continue;
            }

            string[] path = [.. parentPath, property.Name];
            switch (value.ValueKind)
            {
                case JsonValueKind.Object when scope == FilterPolicyScope.MessageAttributes:
                    throw Invalid("Filter policy scope MessageAttributes does not support nested filter policy");
                case JsonValueKind.Object:
                    children.Add(ParseObject(value, path, scope));
                    break;
                case JsonValueKind.Array when value.GetArrayLength() == 0:
                    throw Invalid("FilterPolicy: Empty arrays are not allowed");
                case JsonValueKind.Array:
                    children.Add(new FilterPolicyNode.Field(path, [.. value.EnumerateArray().Select(ParseCondition)]));
                    break;
                default:
                    throw Invalid($"FilterPolicy: \"{property.Name}\" must be an object or an array");
            }
        }

        return new FilterPolicyNode.AllOf(children);
    }

    /// <summary>
    /// AWS treats "$or" as the OR operator only when it maps to an array of at least two objects,
    /// none of which uses an operator name as a key; otherwise "$or" is an ordinary key name.
    /// </summary>
    private static bool IsOrArray(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2)
        {
            return false;
        }

        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || item.EnumerateObject().Any(p => s_operators.Contains(p.Name)))
            {
                return false;
            }
        }

        return true;
    }

    private static FilterCondition ParseCondition(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return FilterCondition.Exact(Scalar(element));
        }

        using var properties = element.EnumerateObject();
        if (!properties.MoveNext())
        {
            throw Invalid("FilterPolicy: Empty objects are not allowed");
        }

        var (op, operand) = (properties.Current.Name, properties.Current.Value);
        if (properties.MoveNext())
        {
            throw Invalid("FilterPolicy: Only one key allowed in match expression");
        }

        switch (op)
        {
            case "prefix":
                return FilterCondition.Text(FilterConditionKind.Prefix, PatternString(op, operand));
            case "suffix":
                return FilterCondition.Text(FilterConditionKind.Suffix, PatternString(op, operand));
            case "equals-ignore-case":
                return FilterCondition.Text(FilterConditionKind.EqualsIgnoreCase, PatternString(op, operand));
            case "anything-but":
                return ParseAnythingBut(operand);
            case "numeric":
                return ParseNumeric(operand);
            case "exists":
                return operand.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? FilterCondition.Exists(operand.GetBoolean())
                    : throw Invalid("FilterPolicy: exists match pattern must be either true or false.");
            case "cidr":
                return ParseCidr(operand);
            default:
                throw Invalid($"FilterPolicy: Unrecognized match type {op}");
        }
    }

    private static FilterValue Scalar(JsonElement element) =>
        FilterValue.FromJson(element)
        ?? throw Invalid("FilterPolicy: Match value must be String, number, true, false, or null");

    private static string PatternString(string op, JsonElement operand) =>
        operand.ValueKind == JsonValueKind.String
            ? operand.GetString()!
            : throw Invalid($"FilterPolicy: {op} match pattern must be a string");

    private static FilterCondition ParseAnythingBut(JsonElement operand)
    {
        switch (operand.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.Number:
                return FilterCondition.AnythingBut([Scalar(operand)]);
            case JsonValueKind.Array when operand.GetArrayLength() == 0:
                throw Invalid("FilterPolicy: Empty arrays are not allowed");
            case JsonValueKind.Array:
                var excluded = new List<FilterValue>();
                foreach (var item in operand.EnumerateArray())
                {
                    excluded.Add(item.ValueKind is JsonValueKind.String or JsonValueKind.Number
                        ? Scalar(item)
                        : throw Invalid("FilterPolicy: Inside anything but list, start|null|boolean is not supported."));
                }

                return FilterCondition.AnythingBut([.. excluded]);
            case JsonValueKind.Object:
                using (var inner = operand.EnumerateObject())
                {
                    if (!inner.MoveNext())
                    {
                        throw Invalid("FilterPolicy: Empty objects are not allowed");
                    }

                    var (op, pattern) = (inner.Current.Name, inner.Current.Value);
                    if (inner.MoveNext())
                    {
                        throw Invalid("FilterPolicy: Only one key allowed in match expression");
                    }

                    return op switch
                    {
                        "prefix" => FilterCondition.Text(FilterConditionKind.AnythingButPrefix, PatternString(op, pattern)),
                        "suffix" => FilterCondition.Text(FilterConditionKind.AnythingButSuffix, PatternString(op, pattern)),
                        _ => throw Invalid($"FilterPolicy: Unsupported anything-but pattern: {op}"),
                    };
                }

            default:
                throw Invalid("FilterPolicy: Inside anything but list, start|null|boolean is not supported.");
        }
    }

    /// <summary>
    /// ["=", 5], [op, n] with one of &lt; &lt;= &gt; &gt;=, or a range [">"/">=", low, "&lt;"/"&lt;=", high]
    /// with low &lt; high: the shapes AWS accepts, checked in AWS's order so the reasons agree.
    /// </summary>
    private static FilterCondition ParseNumeric(JsonElement operand)
    {
        if (operand.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("FilterPolicy: Value of numeric must be an array.");
        }

        var terms = operand.EnumerateArray().ToArray();
        if (terms.Length == 0)
        {
            throw Invalid("FilterPolicy: Invalid member in numeric match: ]");
        }

        var first = NumericOperator(terms[0], "Invalid member in numeric match", "Unrecognized numeric range operator",
            "=", "<", "<=", ">", ">=");
        var low = NumericOperand(first, terms.Length > 1 ? terms[1] : null);
        if (terms.Length <= 2)
        {
            return first.StartsWith('<')
                ? FilterCondition.Numeric(null, new NumericBound(first, low))
                : FilterCondition.Numeric(new NumericBound(first, low), null);
        }

        if (first is not (">" or ">="))
        {
            throw Invalid("FilterPolicy: Too many elements in numeric expression");
        }

        var second = NumericOperator(terms[2], "Bad value in numeric range", "Bad numeric range operator", "<", "<=");
        var high = NumericOperand(second, terms.Length > 3 ? terms[3] : null);
        if (high <= low)
        {
            throw Invalid("FilterPolicy: Bottom must be less than top");
        }

        if (terms.Length > 4)
        {
            throw Invalid("FilterPolicy: Too many terms in numeric range expression");
        }

        return FilterCondition.Numeric(new NumericBound(first, low), new NumericBound(second, high));
    }

    private static string NumericOperator(JsonElement term, string notStringReason, string unknownReason, params string[] allowed)
    {
        if (term.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"FilterPolicy: {notStringReason}: {term.GetRawText()}");
        }

        var op = term.GetString()!;
        return allowed.Contains(op) ? op : throw Invalid($"FilterPolicy: {unknownReason}: {op}");
    }

    private static double NumericOperand(string op, JsonElement? term)
    {
        if (term is { ValueKind: JsonValueKind.Number } number && number.TryGetDouble(out var value) && double.IsFinite(value))
        {
            return FilterValue.NumericKey(value);
        }

        throw Invalid($"FilterPolicy: Value of {(op == "=" ? "equals" : op)} must be numeric");
    }

    private static FilterCondition ParseCidr(JsonElement operand)
    {
        // AWS reports a non-string cidr with the prefix wording.
        var text = PatternString("prefix", operand);
        var parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw Invalid("FilterPolicy: Malformed CIDR, one '/' required");
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Invalid("FilterPolicy: Malformed CIDR, mask bits must be an integer");
        }

        return IPNetwork.TryParse(text, out var network)
            ? FilterCondition.Cidr(network)
            : throw Invalid($"FilterPolicy: Nonstandard IP address: {parts[0]}");
    }

    private static FilterPolicyException Invalid(string reason) => new(reason);
}
