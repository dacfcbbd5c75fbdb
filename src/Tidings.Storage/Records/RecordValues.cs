using System.Collections;
using Tidings.Core.Messages;

namespace Tidings.Storage.Records;

/// <summary>
/// Header values in record format v2: a type octet, then the value. Every type a
/// <see cref="MessageHeader"/> may hold has its own tag, so a value reads back as the same .NET
/// type it was written as (an int stays an int, a DateTimeOffset keeps its offset, a decimal its
/// scale, nested headers their order and repeated names).
/// </summary>
internal static class RecordValues
{
    // The tags are on disk: never renumber one, only add.
    private const byte Null = 0;
    private const byte False = 1;
    private const byte True = 2;
    private const byte SByte = 3;
    private const byte Byte = 4;
    private const byte Int16 = 5;
    private const byte UInt16 = 6;
    private const byte Int32 = 7;
    private const byte UInt32 = 8;
    private const byte Int64 = 9;
    private const byte UInt64 = 10;
    private const byte Single = 11;
    private const byte Double = 12;
    /// <summary>decimal.GetBits: four int32, low, mid, high, flags (sign and scale).</summary>
    private const byte Decimal = 13;
    private const byte String = 14;
    private const byte Bytes = 15;
    /// <summary>UTC ticks (int64) and the offset in minutes (int16).</summary>
    private const byte Timestamp = 16;
    private const byte RawText = 17;
    /// <summary>The type name (string), then the value as a tagged string or bytes.</summary>
    private const byte Attribute = 18;
    /// <summary>A nested table: uint32 count, then (string name, value) pairs; reads as a Dictionary.</summary>
    private const byte Table = 19;
    /// <summary>uint32 count, then the values; reads as a List.</summary>
    private const byte Array = 20;
    /// <summary>Nested <see cref="MessageHeaders"/>, ordered with repeated names: as <see cref="Table"/>, reads as MessageHeaders.</summary>
    private const byte Headers = 21;

    /// <summary>How deep tables and arrays may nest (as the AMQP codec allows), so a cycle cannot loop forever.</summary>
    public const int MaxNestingDepth = 64;

    // Shared boxes: a boolean header read back allocates nothing.
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    /// <summary>Bytes a list of headers takes: uint32 count, then name and value of each.</summary>
    public static int GetHeadersSize(MessageHeaders headers, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        foreach (var header in headers) size += RecordWriter.StringSize(header.Name) + GetSize(header.Value, depth);
        return size;
    }

    public static void WriteHeaders(ref RecordWriter writer, MessageHeaders headers, int depth)
    {
        writer.WriteUInt32((uint)headers.Count);
        foreach (var header in headers)
        {
            writer.WriteString(header.Name);
            Write(ref writer, header.Value, depth);
        }
    }

    public static MessageHeaders ReadHeaders(ref RecordReader reader, int depth)
    {
        CheckReadDepth(depth);
        int count = reader.ReadLength();
        if (count == 0) return MessageHeaders.Empty;
        var items = new MessageHeader[count];
        for (int i = 0; i < count; i++) items[i] = new MessageHeader(reader.ReadString(), Read(ref reader, depth));
        return new MessageHeaders(items);
    }

    /// <summary>Bytes one tagged value takes.</summary>
    /// <exception cref="ArgumentException">The value is of a type headers cannot hold, or nests too deeply.</exception>
    // Keep the cases in the order of Write's: the first match decides the tag.
    public static int GetSize(object? value, int depth) => 1 + value switch
    {
        null or bool => 0,
        string s => RecordWriter.StringSize(s),
        int or uint or float => 4,
        long or ulong or double => 8,
        byte[] bytes => 4 + bytes.Length,
        sbyte or byte => 1,
        short or ushort => 2,
        decimal => 16,
        DateTimeOffset => 10,
        RawText text => 4 + text.Bytes.Length,
        AttributeValue attribute => RecordWriter.StringSize(attribute.DataType) + GetSize(AttributeContent(attribute), depth),
        ReadOnlyMemory<byte> memory => 4 + memory.Length,
        MessageHeaders headers => GetHeadersSize(headers, depth + 1),
        IEnumerable<KeyValuePair<string, object?>> table => GetTableSize(table, depth + 1),
        IDictionary table => GetTableSize(Entries(table), depth + 1),
        IList list => GetListSize(list, depth + 1),
        IEnumerable sequence => GetSequenceSize(sequence, depth + 1),
        _ => throw Unsupported(value),
    };

    public static void Write(ref RecordWriter writer, object? value, int depth)
    {
        switch (value)
        {
            case null: writer.WriteByte(Null); break;
            case bool b: writer.WriteByte(b ? True : False); break;
            case string s: writer.WriteByte(String); writer.WriteString(s); break;
            case int i: writer.WriteByte(Int32); writer.WriteInt32(i); break;
            case uint u: writer.WriteByte(UInt32); writer.WriteUInt32(u); break;
            case float f: writer.WriteByte(Single); writer.WriteInt32(BitConverter.SingleToInt32Bits(f)); break;
            case long l: writer.WriteByte(Int64); writer.WriteInt64(l); break;
            case ulong ul: writer.WriteByte(UInt64); writer.WriteUInt64(ul); break;
            case double d: writer.WriteByte(Double); writer.WriteInt64(BitConverter.DoubleToInt64Bits(d)); break;
            case byte[] bytes: writer.WriteByte(Bytes); writer.WriteBytes(bytes); break;
            case sbyte sb: writer.WriteByte(SByte); writer.WriteByte((byte)sb); break;
            case byte ub: writer.WriteByte(Byte); writer.WriteByte(ub); break;
            case short s16: writer.WriteByte(Int16); writer.WriteUInt16((ushort)s16); break;
            case ushort u16: writer.WriteByte(UInt16); writer.WriteUInt16(u16); break;
            case decimal m: WriteDecimal(ref writer, m); break;
            case DateTimeOffset t:
                writer.WriteByte(Timestamp);
                writer.WriteInt64(t.UtcTicks);
                writer.WriteUInt16((ushort)(short)t.TotalOffsetMinutes);
                break;
            case RawText text: writer.WriteByte(RawText); writer.WriteBytes(text.Bytes); break;
            case AttributeValue attribute:
                writer.WriteByte(Attribute);
                writer.WriteString(attribute.DataType);
                Write(ref writer, AttributeContent(attribute), depth);
                break;
            case ReadOnlyMemory<byte> memory: writer.WriteByte(Bytes); writer.WriteBytes(memory.Span); break;
            case MessageHeaders headers: writer.WriteByte(Headers); WriteHeaders(ref writer, headers, depth + 1); break;
            case IEnumerable<KeyValuePair<string, object?>> table: writer.WriteByte(Table); WriteTable(ref writer, table, depth + 1); break;
            case IDictionary table: writer.WriteByte(Table); WriteTable(ref writer, Entries(table), depth + 1); break;
            case IList list:
                writer.WriteByte(Array);
                writer.WriteUInt32((uint)list.Count);
                for (int i = 0; i < list.Count; i++) Write(ref writer, list[i], depth + 1);
                break;
            case IEnumerable sequence:
                writer.WriteByte(Array);
                int count = 0;
                foreach (object? _ in sequence) count++;
                writer.WriteUInt32((uint)count);
                foreach (object? item in sequence) Write(ref writer, item, depth + 1);
                break;
            default: throw Unsupported(value);
        }
    }

    /// <summary>Reads one tagged value.</summary>
    /// <exception cref="InvalidDataException">Unknown tag, truncated value, or nesting deeper than <see cref="MaxNestingDepth"/>.</exception>
    public static object? Read(ref RecordReader reader, int depth)
    {
        byte tag = reader.ReadByte();
        return tag switch
        {
            Null => null,
            False => BoxedFalse,
            True => BoxedTrue,
            SByte => (sbyte)reader.ReadByte(),
            Byte => reader.ReadByte(),
            Int16 => reader.ReadInt16(),
            UInt16 => reader.ReadUInt16(),
            Int32 => reader.ReadInt32(),
            UInt32 => reader.ReadUInt32(),
            Int64 => reader.ReadInt64(),
            UInt64 => reader.ReadUInt64(),
            Single => BitConverter.Int32BitsToSingle(reader.ReadInt32()),
            Double => BitConverter.Int64BitsToDouble(reader.ReadInt64()),
            Decimal => ReadDecimal(ref reader),
            String => reader.ReadString(),
            Bytes => reader.ReadBytes(),
            Timestamp => ReadTimestamp(ref reader),
            RawText => new RawText(reader.ReadBytes()),
            Attribute => ReadAttribute(ref reader, depth),
            Table => ReadTable(ref reader, depth + 1),
            Array => ReadArray(ref reader, depth + 1),
            Headers => ReadHeaders(ref reader, depth + 1),
            _ => throw new InvalidDataException($"unknown header value tag {tag} at {reader.Position - 1}"),
        };
    }

    /// <summary>An attribute's value is a string or bytes (see <see cref="AttributeValue"/>); anything else has no place on disk.</summary>
    private static object AttributeContent(AttributeValue attribute) =>
        attribute.Value is string or byte[]? attribute.Value : throw Unsupported(attribute.Value);

    private static AttributeValue ReadAttribute(ref RecordReader reader, int depth)
    {
        string type = reader.ReadString();
        return Read(ref reader, depth) is { } value and (string or byte[])
            ? new AttributeValue(type, value)
            : throw new InvalidDataException($"attribute '{type}' holds neither text nor bytes");
    }

    private static void WriteDecimal(ref RecordWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        writer.WriteByte(Decimal);
        foreach (int part in bits) writer.WriteInt32(part);
    }

    private static decimal ReadDecimal(ref RecordReader reader)
    {
        Span<int> bits = stackalloc int[4];
        for (int i = 0; i < 4; i++) bits[i] = reader.ReadInt32();
        try
        {
            return new decimal(bits);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("a decimal header value has invalid flags", e);
        }
    }

    private static DateTimeOffset ReadTimestamp(ref RecordReader reader)
    {
        long utcTicks = reader.ReadInt64();
        short offsetMinutes = reader.ReadInt16();
        try
        {
            var offset = TimeSpan.FromMinutes(offsetMinutes);
            return new DateTimeOffset(utcTicks + offset.Ticks, offset);
        }
        catch (ArgumentException e)
        {
            // Ticks out of range, or an offset beyond ±14 hours.
            throw new InvalidDataException("a timestamp header value is out of range", e);
        }
    }

    private static int GetTableSize(IEnumerable<KeyValuePair<string, object?>> table, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        if (table is Dictionary<string, object?> dictionary)
        {
            // The concrete type's struct enumerator: no boxed enumerator per table.
            foreach (var (name, value) in dictionary) size += RecordWriter.StringSize(name) + GetSize(value, depth);
        }
        else
        {
            foreach (var (name, value) in table) size += RecordWriter.StringSize(name) + GetSize(value, depth);
        }
        return size;
    }

    private static void WriteTable(ref RecordWriter writer, IEnumerable<KeyValuePair<string, object?>> table, int depth)
    {
        if (table is Dictionary<string, object?> dictionary)
        {
            writer.WriteUInt32((uint)dictionary.Count);
            foreach (var (name, value) in dictionary)
            {
                writer.WriteString(name);
                Write(ref writer, value, depth);
            }
            return;
        }
        int count = 0;
        foreach (var _ in table) count++;
        writer.WriteUInt32((uint)count);
        foreach (var (name, value) in table)
        {
            writer.WriteString(name);
            Write(ref writer, value, depth);
        }
    }

    private static Dictionary<string, object?> ReadTable(ref RecordReader reader, int depth)
    {
        CheckReadDepth(depth);
        int count = reader.ReadLength();
        var table = new Dictionary<string, object?>(count, StringComparer.Ordinal);
        // A table written from a dictionary has unique names; should one repeat, the last wins, as in AMQP.
        for (int i = 0; i < count; i++) table[reader.ReadString()] = Read(ref reader, depth);
        return table;
    }

    private static List<object?> ReadArray(ref RecordReader reader, int depth)
    {
        CheckReadDepth(depth);
        int count = reader.ReadLength();
        var list = new List<object?>(count);
        for (int i = 0; i < count; i++) list.Add(Read(ref reader, depth));
        return list;
    }

    private static int GetListSize(IList list, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        for (int i = 0; i < list.Count; i++) size += GetSize(list[i], depth);
        return size;
    }

    private static int GetSequenceSize(IEnumerable sequence, int depth)
    {
        CheckWriteDepth(depth);
        int size = 4;
        foreach (object? item in sequence) size += GetSize(item, depth);
        return size;
    }

    private static IEnumerable<KeyValuePair<string, object?>> Entries(IDictionary table)
    {
        foreach (DictionaryEntry entry in table)
        {
            yield return entry.Key is string key
                ? new KeyValuePair<string, object?>(key, entry.Value)
                : throw new ArgumentException($"table keys must be strings; found a {entry.Key.GetType()}", nameof(table));
        }
    }

    private static void CheckWriteDepth(int depth)
    {
        if (depth > MaxNestingDepth)
            throw new ArgumentException($"header tables and arrays nested more than {MaxNestingDepth} deep (is there a cycle?)");
    }

    private static void CheckReadDepth(int depth)
    {
        if (depth > MaxNestingDepth)
            throw new InvalidDataException($"header tables and arrays nested more than {MaxNestingDepth} deep");
    }

    private static ArgumentException Unsupported(object value) =>
        new($"a header value of type {value.GetType()} cannot be stored; see MessageHeader for the types headers hold", nameof(value));
}
