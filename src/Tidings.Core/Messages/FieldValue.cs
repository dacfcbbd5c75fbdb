using System.Collections;
using System.Text;

namespace Tidings.Core.Messages;

/// <summary>Conversions and comparisons for header and argument values (see FieldValues.cs for the types).</summary>
public static class FieldValue
{
    /// <summary>The value as a 64-bit integer when it is any integer type (or a whole float), else null.</summary>
    public static long? AsLong(object? value) => value switch
    {
        long l => l,
        int i => i,
        short s => s,
        sbyte b => b,
        byte b => b,
        ushort u => u,
        uint u => u,
        ulong u when u <= long.MaxValue => (long)u,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => (long)d,
        float f when f == MathF.Floor(f) && Math.Abs(f) < 9e18 => (long)f,
        decimal m when m == decimal.Floor(m) => (long)m,
        _ => null,
    };

    /// <summary>The value as text when it is a string or a long string, else null.</summary>
    public static string? AsString(object? value) => value switch
    {
        string s => s,
        RawText t => Encoding.UTF8.GetString(t.Bytes),
        byte[] b => Encoding.UTF8.GetString(b),
        AttributeValue a => a.Value as string ?? (a.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null),
        _ => null,
    };

    /// <summary>The value as a boolean when it is one, else null.</summary>
    public static bool? AsBool(object? value) => value is bool b ? b : null;

    /// <summary>
    /// Equality as RabbitMQ compares typed field values: integers by value whatever their width,
    /// floats by value, strings and byte strings by bytes, tables and arrays element-wise.
    /// </summary>
    public static bool AreEqual(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (AsLong(a) is { } la && IsInteger(a) && AsLong(b) is { } lb && IsInteger(b)) return la == lb;
        if (IsFloat(a) && IsFloat(b)) return Convert.ToDouble(a, null) == Convert.ToDouble(b, null);
        if (IsText(a) && IsText(b)) return BytesOf(a).AsSpan().SequenceEqual(BytesOf(b));
        if (a is IEnumerable<KeyValuePair<string, object?>> ta && b is IEnumerable<KeyValuePair<string, object?>> tb)
            return TablesEqual(ta, tb);
        if (a is IList la2 && b is IList lb2 && a is not string && b is not string)
        {
            if (la2.Count != lb2.Count) return false;
            for (int i = 0; i < la2.Count; i++)
                if (!AreEqual(la2[i], lb2[i])) return false;
            return true;
        }
        return a.Equals(b);
    }

    /// <summary>Equality of two argument tables (null and empty are the same).</summary>
    public static bool TablesEqual(IEnumerable<KeyValuePair<string, object?>>? a, IEnumerable<KeyValuePair<string, object?>>? b)
    {
        var da = a?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? [];
        var db = b?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? [];
        return da.Count == db.Count && da.All(kv => db.TryGetValue(kv.Key, out var v) && AreEqual(kv.Value, v));
    }

    /// <summary>A short rendering for error texts, in the spirit of RabbitMQ's.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "none",
        string s => $"'{s}'",
        bool b => b ? "'true'" : "'false'",
        _ when AsString(value) is { } s => $"'{s}'",
        _ => $"'{value}'",
    };

    private static bool IsInteger(object v) => v is long or int or short or sbyte or byte or ushort or uint or ulong;
    private static bool IsFloat(object v) => v is double or float;
    private static bool IsText(object v) => v is string or RawText or byte[];
    private static byte[] BytesOf(object v) => v switch
    {
        string s => Encoding.UTF8.GetBytes(s),
        RawText t => t.Bytes,
        byte[] b => b,
        _ => [],
    };
}
