using System.Globalization;
using System.Collections;
using Tidings.Core.Messages;

namespace Tidings.Core.Limits;

/// <summary>
/// The one set of limits every door checks what enters by: names, routing keys, short-string
/// properties, header and argument tables. They are AMQP 0-9-1's wire limits, because a message
/// or a name that AMQP cannot carry would be accepted over one protocol and then fail, later and
/// elsewhere, when it is sent over AMQP (a poison message). A refusal is a
/// <see cref="BrokerException"/> with <see cref="BrokerError.PreconditionFailed"/>, which each
/// adapter answers with its protocol's error (AMQP 406, HTTP 400).
/// </summary>
public static class BrokerLimits
{
    /// <summary>Longest name, routing key or short-string property: an AMQP short string's 255 UTF-8 bytes.</summary>
    public const int MaxShortStringBytes = 255;

    /// <summary>Deepest nesting of tables and arrays in headers and arguments (as the AMQP codec allows).</summary>
    public const int MaxTableDepth = 64;

    /// <summary>
    /// Largest TTL or expiry in milliseconds (x-message-ttl, x-expires, per-message expiration), as
    /// RabbitMQ's 2^32 − 1; longer ones are refused with its "value_too_large".
    /// </summary>
    public const long MaxExpiryMilliseconds = uint.MaxValue;

    /// <summary>Refuses a queue, exchange, virtual host or user name that AMQP cannot carry.</summary>
    /// <param name="kind">"queue", "exchange", "vhost" or "user", for the error text.</param>
    /// <param name="name">The name to check.</param>
    public static void CheckName(string kind, string name) => CheckShortString($"{kind} name", name);

    /// <summary>Refuses a routing key (or binding key) that AMQP cannot carry.</summary>
    public static void CheckRoutingKey(string routingKey) => CheckShortString("routing key", routingKey);

    /// <summary>Refuses a short-string value (a property, a consumer tag) longer than 255 UTF-8 bytes.</summary>
    /// <param name="what">What the value is, for the error text, e.g. "property 'content_type'".</param>
    /// <param name="value">The value; null passes.</param>
    public static void CheckShortString(string what, string? value)
    {
        if (value is null) return;
        // One pass over the text: it counts the bytes and finds lone surrogates at once.
        int bytes = Utf8Text.ByteCount(value);
        if (bytes < 0) throw Refused($"{what} is not valid Unicode (it holds a lone surrogate)");
        if (bytes > MaxShortStringBytes)
            throw Refused($"{what} is too long: {bytes} bytes of UTF-8, at most {MaxShortStringBytes}");
    }

    /// <summary>
    /// Refuses a header or argument table that AMQP cannot encode: keys longer than 255 bytes,
    /// values of a type with no AMQP form (or out of its range), nesting deeper than
    /// <see cref="MaxTableDepth"/>, text with lone surrogates; and non-finite floats, which JSON
    /// (the management API, definitions) cannot carry.
    /// </summary>
    /// <param name="what">"headers", "arguments" and so on, for the error text.</param>
    /// <param name="table">The table; null passes.</param>
    public static void CheckTable(string what, IEnumerable<KeyValuePair<string, object?>>? table) =>
        CheckTable(what, table, depth: 0);

    /// <summary>
    /// RabbitMQ's per-message expiration text (AMQP's expiration property, the HTTP APIs'
    /// "expiration") as a time to live in ms; null stays null. Every door that reads the text parses
    /// it here, so they refuse the same texts with the same words.
    /// </summary>
    /// <exception cref="BrokerException">Not decimal digits, or more than 2^32 − 1 ms (PRECONDITION_FAILED).</exception>
    public static long? ParseExpiration(string? expiration)
    {
        if (expiration is null) return null;
        if (expiration.Length == 0 || !expiration.All(char.IsAsciiDigit) ||
            !long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out long ttl))
            throw Refused($"invalid expiration '{Shorten(expiration)}'");
        if (ttl > MaxExpiryMilliseconds)
            throw Refused($"invalid expiration '{expiration}': {{value_too_large,{expiration}}}");
        return ttl;
    }

    /// <summary>Refuses message headers AMQP could not carry (the same rules as <see cref="CheckTable(string, IEnumerable{KeyValuePair{string, object}})"/>).</summary>
    public static void CheckHeaders(string what, MessageHeaders? headers) => CheckHeaders(what, headers, depth: 0);

    private static void CheckHeaders(string what, MessageHeaders? headers, int depth)
    {
        if (headers is null) return;
        if (depth > MaxTableDepth) throw Refused($"{what} are nested deeper than {MaxTableDepth} levels");
        foreach (var header in headers) CheckEntry(what, header.Name, header.Value, depth);
    }

    /// <summary>Refuses a time to live outside what RabbitMQ accepts: 0 to 2^32 − 1 ms.</summary>
    public static void CheckTimeToLive(long? ttl)
    {
        if (ttl is not { } value) return;
        if (value < 0) throw Refused($"invalid expiration '{value}'");
        if (value > MaxExpiryMilliseconds) throw Refused($"invalid expiration '{value}': {{value_too_large,{value}}}");
    }

    private static void CheckTable(string what, IEnumerable<KeyValuePair<string, object?>>? table, int depth)
    {
        if (table is null) return;
        if (depth > MaxTableDepth) throw Refused($"{what} are nested deeper than {MaxTableDepth} levels");
        if (table is Dictionary<string, object?> dictionary)
        {
            // The struct enumerator: checking a message's headers allocates nothing.
            foreach (var (key, value) in dictionary) CheckEntry(what, key, value, depth);
            return;
        }
        foreach (var (key, value) in table) CheckEntry(what, key, value, depth);
    }

    private static void CheckEntry(string what, string key, object? value, int depth)
    {
        // The error text is built only on failure: this runs for every header of a publish.
        if (!Utf8Text.Fits(key, MaxShortStringBytes)) CheckShortString($"a key of the {what}", key);
        CheckValue(what, key, value, depth);
    }

    private static void CheckValue(string what, string key, object? value, int depth)
    {
        switch (value)
        {
            case null or bool or sbyte or byte or short or ushort or int or uint or long:
            case DateTimeOffset or RawText or byte[] or ReadOnlyMemory<byte>:
                return;
            case AttributeValue attribute:
                CheckShortString($"the type name of {what} value '{Shorten(key)}'", attribute.DataType);
                CheckValue(what, key, attribute.Value, depth);
                return;
            case MessageHeaders nested:
                if (depth + 1 > MaxTableDepth) throw Refused($"{what} are nested deeper than {MaxTableDepth} levels");
                CheckHeaders(what, nested, depth + 1);
                return;
            // NaN and infinities travel in AMQP but not in JSON: kept, they would break every
            // management listing, export and definitions save that shows the table.
            case double d:
                if (!double.IsFinite(d)) throw Refused($"{what} value of '{Shorten(key)}' is not a finite number");
                return;
            case float f:
                if (!float.IsFinite(f)) throw Refused($"{what} value of '{Shorten(key)}' is not a finite number");
                return;
            case string text:
                if (Utf8Text.ByteCount(text) < 0) throw Refused($"{what} value of '{Shorten(key)}' is not valid Unicode");
                return;
            case ulong u:
                if (u > long.MaxValue) throw Refused($"{what} value of '{Shorten(key)}' is out of the signed 64-bit range");
                return;
            case decimal d:
                if (!FitsAmqpDecimal(d)) throw Refused($"{what} value of '{Shorten(key)}' does not fit an AMQP decimal");
                return;
            case IEnumerable<KeyValuePair<string, object?>> nested:
                CheckTable(what, nested, depth + 1);
                return;
            case IDictionary nested:
                if (depth + 1 > MaxTableDepth) throw Refused($"{what} are nested deeper than {MaxTableDepth} levels");
                foreach (DictionaryEntry entry in nested)
                {
                    if (entry.Key is not string nestedKey) throw Refused($"{what} hold a table with a key that is not text");
                    CheckEntry(what, nestedKey, entry.Value, depth + 1);
                }
                return;
            case IEnumerable array:
                if (depth + 1 > MaxTableDepth) throw Refused($"{what} are nested deeper than {MaxTableDepth} levels");
                foreach (var item in array) CheckValue(what, key, item, depth + 1);
                return;
            default:
                throw Refused($"{what} value of '{Shorten(key)}' has a type AMQP cannot carry ({value.GetType().Name})");
        }
    }

    /// <summary>An AMQP decimal is a scale octet and a signed 32-bit unscaled value (trailing zeros may leave the scale).</summary>
    private static bool FitsAmqpDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        UInt128 mantissa = ((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        UInt128 limit = bits[3] < 0 ? 2147483648u : int.MaxValue;
        int scale = value.Scale;
        while (mantissa > limit && scale > 0 && mantissa % 10 == 0)
        {
            mantissa /= 10;
            scale--;
        }
        return mantissa <= limit;
    }

    /// <summary>Error texts quote at most 64 characters of a value, so a 1 MB name does not become a 1 MB reply.</summary>
    internal static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    private static BrokerException Refused(string reason) => new(BrokerError.PreconditionFailed, reason);
}
