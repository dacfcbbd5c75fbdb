using System.Buffers;
using System.Collections;
using System.Text;
using System.Text.Unicode;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Reads and writes AMQP field tables, arrays and values with RabbitMQ's type tags
/// (t b B s u I i l f d D S A T F V x; see EXTENSIONS.md §0), mapped to the neutral .NET values
/// <see cref="MessageHeader"/> documents (docs/MESSAGES.md has the table).
/// </summary>
/// <remarks>
/// <para>Reading: <c>S</c> becomes <see cref="string"/> when its bytes are valid UTF-8, else
/// <see cref="RawText"/>; <c>x</c> becomes <c>byte[]</c>; <c>T</c> a <see cref="DateTimeOffset"/> (whole
/// seconds; beyond year 9999 an <see cref="AttributeValue"/> "amqp.timestamp"); <c>D</c> a .NET decimal
/// (beyond 28 places an <see cref="AttributeValue"/> "amqp.decimal"); <c>F</c> <c>Dictionary&lt;string, object?&gt;</c>; <c>A</c>
/// <c>List&lt;object?&gt;</c>; <c>V</c> null; integers and floats their same-width .NET types. <c>L</c>
/// (not in the tag list, but parsed by RabbitMQ) is read as a signed 64-bit <see cref="long"/>.
/// A repeated key keeps its last value.</para>
/// <para>Writing picks the tag from the .NET type: string → S, byte[] and ReadOnlyMemory&lt;byte&gt; → x,
/// int → I, long → l, bool → t, double → d, float → f, sbyte → b, byte → B, short → s, ushort → u,
/// uint → i, ulong (up to long.MaxValue) → l, DateTimeOffset → T, AmqpDecimal and decimal → D,
/// RawText → S, AttributeValue → its AMQP type when it names one, else its value's, <see cref="MessageHeaders"/> → F, any <c>IEnumerable&lt;KeyValuePair&lt;string, object?&gt;&gt;</c> (so every
/// generic dictionary of that shape) or non-generic <see cref="IDictionary"/> with string keys → F,
/// any other <see cref="IEnumerable"/> → A, null → V. A table read by this codec writes back byte for byte
/// (barring repeated keys, <c>L</c> tags and non-0/1 booleans, which are normalised).</para>
/// <para>Nesting deeper than <see cref="MaxNestingDepth"/> is refused both ways, so a hostile frame
/// cannot exhaust the stack and a cyclic object graph cannot loop forever.</para>
/// </remarks>
public static class FieldTableCodec
{
    /// <summary>How many tables/arrays may be nested inside the outermost one.</summary>
    public const int MaxNestingDepth = 64;

    // Shared boxes, so reading boolean headers allocates nothing.
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    /// <summary>Reads a length-prefixed field table, leaving <paramref name="reader"/> after it.</summary>
    /// <exception cref="AmqpSyntaxException">The table is truncated, has an unknown type tag or nests too deeply (502).</exception>
    public static Dictionary<string, object?> ReadTable(ref SequenceReader<byte> reader) => ReadTable(ref reader, depth: 0);

    /// <summary>Reads a field table as message headers, keeping the order of its entries (a repeated key keeps its last value, as a table does).</summary>
    public static MessageHeaders ReadHeaders(ref SequenceReader<byte> reader) => MessageHeaders.From(ReadTable(ref reader, depth: 0));

    /// <summary>Reads a length-prefixed field table that fills <paramref name="encoded"/> exactly.</summary>
    /// <exception cref="AmqpSyntaxException">The table is malformed or followed by extra bytes (502).</exception>
    public static Dictionary<string, object?> ReadTable(ReadOnlySequence<byte> encoded)
    {
        var reader = new SequenceReader<byte>(encoded);
        var table = ReadTable(ref reader, depth: 0);
        AmqpWireReader.EnsureEnd(ref reader, "field table");
        return table;
    }

    /// <summary>Reads one tagged value (type octet and value), as found in tables and arrays.</summary>
    /// <exception cref="AmqpSyntaxException">The value is truncated, has an unknown type tag or nests too deeply (502).</exception>
    public static object? ReadValue(ref SequenceReader<byte> reader) => ReadValue(ref reader, depth: 0);

    /// <summary>Encoded size of <paramref name="table"/> including its 4-byte length; null is the empty table (4 bytes).</summary>
    /// <exception cref="ArgumentException">A key is longer than 255 UTF-8 bytes, a value has no encoding, or nesting is too deep.</exception>
    public static int GetTableSize(IEnumerable<KeyValuePair<string, object?>>? table) => GetTableSize(table, depth: 0);

    /// <summary>Writes <paramref name="table"/> (length and entries); returns the bytes written.</summary>
    /// <exception cref="ArgumentException">As for <see cref="GetTableSize(IEnumerable{KeyValuePair{string, object}})"/>.</exception>
    public static int WriteTable(Span<byte> destination, IEnumerable<KeyValuePair<string, object?>>? table)
    {
        var writer = new AmqpSpanWriter(destination);
        WriteTable(ref writer, table, depth: 0);
        return writer.Position;
    }

    /// <summary>Writes <paramref name="table"/> (length and entries) into one span of <paramref name="writer"/>.</summary>
    /// <exception cref="ArgumentException">As for <see cref="GetTableSize(IEnumerable{KeyValuePair{string, object}})"/>.</exception>
    public static void WriteTable(IBufferWriter<byte> writer, IEnumerable<KeyValuePair<string, object?>>? table)
    {
        int size = GetTableSize(table);
        writer.Advance(WriteTable(writer.GetSpan(size), table));
    }

    /// <summary>Encoded size of one tagged value (type octet included).</summary>
    /// <exception cref="ArgumentException">The value has no encoding or nests too deeply.</exception>
    public static int GetValueSize(object? value) => GetValueSize(value, depth: 0);

    /// <summary>Writes one tagged value (type octet and value); returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The value has no encoding or nests too deeply.</exception>
    public static int WriteValue(Span<byte> destination, object? value)
    {
        var writer = new AmqpSpanWriter(destination);
        WriteValue(ref writer, value, depth: 0);
        return writer.Position;
    }

    /// <summary>
    /// The AMQP decimal for <paramref name="value"/>: its scale and a 32-bit unscaled value, dropping
    /// trailing zeros only when needed to fit.
    /// </summary>
    /// <exception cref="ArgumentException">The value has more than 32 bits of significant digits.</exception>
    public static AmqpDecimal ToAmqpDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        bool negative = bits[3] < 0;
        byte scale = value.Scale;
        UInt128 mantissa = ((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        UInt128 limit = negative ? 2147483648u : int.MaxValue;
        while (mantissa > limit && scale > 0 && mantissa % 10 == 0)
        {
            mantissa /= 10;
            scale--;
        }

        if (mantissa > limit)
        {
            throw new ArgumentException($"The decimal {value} does not fit an AMQP decimal (a scale and a 32-bit unscaled value).", nameof(value));
        }

        long unscaled = negative ? -(long)mantissa : (long)mantissa;
        return new AmqpDecimal(scale, (int)unscaled);
    }

    internal static void WriteTable(ref AmqpSpanWriter writer, IEnumerable<KeyValuePair<string, object?>>? table, int depth)
    {
        CheckWriteDepth(depth);
        int lengthAt = writer.ReserveLength();
        if (table is Dictionary<string, object?> dictionary)
        {
            // The concrete type's struct enumerator: no boxed enumerator per table.
            foreach (var (key, value) in dictionary)
            {
                writer.WriteShortString(key);
                WriteValue(ref writer, value, depth);
            }
        }
        else if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                writer.WriteShortString(key);
                WriteValue(ref writer, value, depth);
            }
        }

        writer.PatchLength(lengthAt);
    }

    private static Dictionary<string, object?> ReadTable(ref SequenceReader<byte> reader, int depth)
    {
        CheckReadDepth(depth);
        uint length = AmqpWireReader.ReadUInt32(ref reader);
        AmqpWireReader.EnsureRemaining(ref reader, length, "field table");
        var body = new SequenceReader<byte>(reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);

        var table = new Dictionary<string, object?>();
        while (!body.End)
        {
            string key = AmqpWireReader.ReadShortString(ref body);
            table[key] = ReadValue(ref body, depth);
        }

        return table;
    }

    private static List<object?> ReadArray(ref SequenceReader<byte> reader, int depth)
    {
        CheckReadDepth(depth);
        uint length = AmqpWireReader.ReadUInt32(ref reader);
        AmqpWireReader.EnsureRemaining(ref reader, length, "field array");
        var body = new SequenceReader<byte>(reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);

        var array = new List<object?>();
        while (!body.End)
        {
            array.Add(ReadValue(ref body, depth));
        }

        return array;
    }

    private static object? ReadValue(ref SequenceReader<byte> reader, int depth)
    {
        byte tag = AmqpWireReader.ReadOctet(ref reader);
        return tag switch
        {
            (byte)'t' => AmqpWireReader.ReadOctet(ref reader) != 0 ? BoxedTrue : BoxedFalse,
            (byte)'b' => (sbyte)AmqpWireReader.ReadOctet(ref reader),
            (byte)'B' => AmqpWireReader.ReadOctet(ref reader),
            (byte)'s' => AmqpWireReader.ReadInt16(ref reader),
            (byte)'u' => AmqpWireReader.ReadUInt16(ref reader),
            (byte)'I' => AmqpWireReader.ReadInt32(ref reader),
            (byte)'i' => AmqpWireReader.ReadUInt32(ref reader),
            (byte)'l' or (byte)'L' => AmqpWireReader.ReadInt64(ref reader),
            (byte)'f' => AmqpWireReader.ReadSingle(ref reader),
            (byte)'d' => AmqpWireReader.ReadDouble(ref reader),
            (byte)'D' => new AmqpDecimal(AmqpWireReader.ReadOctet(ref reader), AmqpWireReader.ReadInt32(ref reader)).ToNeutral(),
            (byte)'S' => ReadLongStringValue(ref reader),
            (byte)'A' => ReadArray(ref reader, depth + 1),
            (byte)'T' => ReadTimestamp(AmqpWireReader.ReadUInt64(ref reader)),
            (byte)'F' => ReadTable(ref reader, depth + 1),
            (byte)'V' => null,
            (byte)'x' => AmqpWireReader.ReadLongStringBytes(ref reader),
            _ => throw new AmqpSyntaxException($"unknown field value type tag 0x{tag:X2}"),
        };
    }

    private static object ReadLongStringValue(ref SequenceReader<byte> reader)
    {
        uint length = AmqpWireReader.ReadUInt32(ref reader);
        if (length == 0)
        {
            return string.Empty;
        }

        AmqpWireReader.EnsureRemaining(ref reader, length, "long string");
        object value;
        if (reader.UnreadSpan.Length >= length)
        {
            var span = reader.UnreadSpan[..(int)length];
            value = Utf8.IsValid(span) ? Encoding.UTF8.GetString(span) : new RawText(span.ToArray());
        }
        else
        {
            var bytes = new byte[length];
            reader.TryCopyTo(bytes);
            value = Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : new RawText(bytes);
        }

        reader.Advance(length);
        return value;
    }

    private static int GetTableSize(IEnumerable<KeyValuePair<string, object?>>? table, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        if (table is Dictionary<string, object?> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                size += AmqpWire.ShortStringSize(key) + GetValueSize(value, depth);
            }
        }
        else if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                size += AmqpWire.ShortStringSize(key) + GetValueSize(value, depth);
            }
        }

        return size;
    }

    private static int GetArraySize(IEnumerable array, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        foreach (object? item in array)
        {
            size += GetValueSize(item, depth);
        }

        return size;
    }

    // Keep the cases in the same order as in WriteValue: the first match decides the tag.
    private static int GetValueSize(object? value, int depth) => 1 + value switch
    {
        null => 0,
        string s => AmqpWire.LongStringSize(s),
        bool => 1,
        int => 4,
        long => 8,
        byte[] bytes => 4 + bytes.Length,
        double => 8,
        float => 4,
        sbyte or byte => 1,
        short or ushort => 2,
        uint => 4,
        ulong u => u <= long.MaxValue ? 8 : throw new ArgumentException($"The ulong {u} exceeds the signed 64-bit range of an AMQP 'l' field.", nameof(value)),
        DateTimeOffset => 8,
        AmqpDecimal => 5,
        decimal d => CheckedDecimalSize(d),
        RawText text => 4 + text.Bytes.Length,
        AmqpTimestampSeconds => 8,
        AttributeValue attribute => GetValueSize(AttributeAsAmqp(attribute), depth) - 1,
        MessageHeaders headers => GetHeadersSize(headers, depth + 1),
        ReadOnlyMemory<byte> memory => 4 + memory.Length,
        IEnumerable<KeyValuePair<string, object?>> table => GetTableSize(table, depth + 1),
        IDictionary table => GetTableSize(Entries(table), depth + 1),
        IEnumerable array => GetArraySize(array, depth + 1),
        _ => throw Unsupported(value),
    };

    private static void WriteValue(ref AmqpSpanWriter writer, object? value, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteOctet((byte)'V');
                break;
            case string s:
                writer.WriteOctet((byte)'S');
                writer.WriteLongString(s);
                break;
            case bool b:
                writer.WriteOctet((byte)'t');
                writer.WriteOctet(b ? (byte)1 : (byte)0);
                break;
            case int i:
                writer.WriteOctet((byte)'I');
                writer.WriteInt32(i);
                break;
            case long l:
                writer.WriteOctet((byte)'l');
                writer.WriteInt64(l);
                break;
            case byte[] bytes:
                writer.WriteOctet((byte)'x');
                writer.WriteLongString(bytes);
                break;
            case double d:
                writer.WriteOctet((byte)'d');
                writer.WriteDouble(d);
                break;
            case float f:
                writer.WriteOctet((byte)'f');
                writer.WriteSingle(f);
                break;
            case sbyte sb:
                writer.WriteOctet((byte)'b');
                writer.WriteOctet((byte)sb);
                break;
            case byte ub:
                writer.WriteOctet((byte)'B');
                writer.WriteOctet(ub);
                break;
            case short s16:
                writer.WriteOctet((byte)'s');
                writer.WriteInt16(s16);
                break;
            case ushort u16:
                writer.WriteOctet((byte)'u');
                writer.WriteUInt16(u16);
                break;
            case uint u32:
                writer.WriteOctet((byte)'i');
                writer.WriteUInt32(u32);
                break;
            case ulong u64 when u64 <= long.MaxValue:
                writer.WriteOctet((byte)'l');
                writer.WriteInt64((long)u64);
                break;
            case DateTimeOffset timestamp:
                writer.WriteOctet((byte)'T');
                writer.WriteUInt64((ulong)timestamp.ToUnixTimeSeconds());
                break;
            case AmqpDecimal amqpDecimal:
                WriteDecimal(ref writer, amqpDecimal);
                break;
            case decimal clrDecimal:
                WriteDecimal(ref writer, ToAmqpDecimal(clrDecimal));
                break;
            case RawText rawText:
                writer.WriteOctet((byte)'S');
                writer.WriteLongString(rawText.Bytes);
                break;
            case AmqpTimestampSeconds timestamp:
                writer.WriteOctet((byte)'T');
                writer.WriteUInt64(timestamp.Seconds);
                break;
            case AttributeValue attribute:
                WriteValue(ref writer, AttributeAsAmqp(attribute), depth);
                break;
            case MessageHeaders headers:
                writer.WriteOctet((byte)'F');
                WriteHeaders(ref writer, headers, depth + 1);
                break;
            case ReadOnlyMemory<byte> memory:
                writer.WriteOctet((byte)'x');
                writer.WriteLongString(memory.Span);
                break;
            case IEnumerable<KeyValuePair<string, object?>> table:
                writer.WriteOctet((byte)'F');
                WriteTable(ref writer, table, depth + 1);
                break;
            case IDictionary table:
                writer.WriteOctet((byte)'F');
                WriteTable(ref writer, Entries(table), depth + 1);
                break;
            case IEnumerable array:
                writer.WriteOctet((byte)'A');
                WriteArray(ref writer, array, depth + 1);
                break;
            default:
                throw Unsupported(value);
        }
    }

    /// <summary>The type name a timestamp past DateTimeOffset's range (year 9999) carries in the core.</summary>
    public const string TimestampAttributeType = "amqp.timestamp";

    private static object ReadTimestamp(ulong seconds) =>
        seconds <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds((long)seconds)
            : new AttributeValue(TimestampAttributeType, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The value an attribute is written as: one whose type names an AMQP encoding (read from AMQP)
    /// as that type, others as their value. Such attributes are rare; boxing them here is fine.
    /// </summary>
    private static object AttributeAsAmqp(AttributeValue attribute)
    {
        if (attribute.DataType == AmqpDecimal.AttributeType && attribute.Text is { } d && AmqpDecimal.TryParse(d, out var amqpDecimal))
            return amqpDecimal;
        if (attribute.DataType == TimestampAttributeType && attribute.Text is { } t && ulong.TryParse(t, out ulong seconds))
            return new AmqpTimestampSeconds(seconds);
        return attribute.Value;
    }

    /// <summary>A timestamp past DateTimeOffset's range, only while it is written.</summary>
    private readonly record struct AmqpTimestampSeconds(ulong Seconds);

    /// <summary>The size of headers written as a field table (repeated names become one array, see <see cref="MessageHeaders.ToTable"/>).</summary>
    internal static int GetHeadersSize(MessageHeaders headers, int depth)
    {
        if (headers.HasRepeatedNames) return GetTableSize(headers.ToTable(), depth);
        CheckWriteDepth(depth);
        int size = 4;
        foreach (var header in headers) size += AmqpWire.ShortStringSize(header.Name) + GetValueSize(header.Value, depth);
        return size;
    }

    /// <summary>Writes headers as a field table, in order, without allocating when no name repeats.</summary>
    internal static void WriteHeaders(ref AmqpSpanWriter writer, MessageHeaders headers, int depth)
    {
        if (headers.HasRepeatedNames)
        {
            WriteTable(ref writer, headers.ToTable(), depth);
            return;
        }
        CheckWriteDepth(depth);
        int lengthAt = writer.ReserveLength();
        foreach (var header in headers)
        {
            writer.WriteShortString(header.Name);
            WriteValue(ref writer, header.Value, depth);
        }
        writer.PatchLength(lengthAt);
    }

    // Converting now makes an unrepresentable decimal fail while sizing, before any byte is written.
    private static int CheckedDecimalSize(decimal value)
    {
        _ = ToAmqpDecimal(value);
        return 5;
    }

    private static void WriteDecimal(ref AmqpSpanWriter writer, AmqpDecimal value)
    {
        writer.WriteOctet((byte)'D');
        writer.WriteOctet(value.Scale);
        writer.WriteInt32(value.Unscaled);
    }

    private static void WriteArray(ref AmqpSpanWriter writer, IEnumerable array, int depth)
    {
        CheckWriteDepth(depth);
        int lengthAt = writer.ReserveLength();
        foreach (object? item in array)
        {
            WriteValue(ref writer, item, depth);
        }

        writer.PatchLength(lengthAt);
    }

    private static IEnumerable<KeyValuePair<string, object?>> Entries(IDictionary table)
    {
        foreach (DictionaryEntry entry in table)
        {
            yield return entry.Key is string key
                ? new KeyValuePair<string, object?>(key, entry.Value)
                : throw new ArgumentException($"Field table keys must be strings; found a {entry.Key.GetType()}.", nameof(table));
        }
    }

    private static void CheckReadDepth(int depth)
    {
        if (depth > MaxNestingDepth)
        {
            throw new AmqpSyntaxException($"field tables and arrays nested more than {MaxNestingDepth} deep");
        }
    }

    private static void CheckWriteDepth(int depth)
    {
        if (depth > MaxNestingDepth)
        {
            throw new ArgumentException($"Field tables and arrays nested more than {MaxNestingDepth} deep (is there a cycle?).");
        }
    }

    private static ArgumentException Unsupported(object value) =>
        new($"A field value of type {value.GetType()} has no AMQP field-table encoding; see FieldTableCodec for the supported types.", nameof(value));
}
