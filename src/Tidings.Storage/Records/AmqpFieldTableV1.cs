using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Tidings.Core.Messages;

namespace Tidings.Storage.Records;

/// <summary>
/// Reads the AMQP 0-9-1 field tables inside v1 records (RabbitMQ's type tags
/// t b B s u I i l f d D S A T F V x), into the neutral values the AMQP adapter made of them
/// when v1 was written: S is a string when its bytes are UTF-8, else <see cref="RawText"/>; D a
/// decimal (beyond 28 places an <see cref="AttributeValue"/> "amqp.decimal" "unscaled/scale"); T a
/// <see cref="DateTimeOffset"/> (beyond year 9999 an attribute "amqp.timestamp" of seconds); F a
/// Dictionary; A a List; x a byte[]; V null. Decode only.
/// </summary>
internal static class AmqpFieldTableV1
{
    /// <summary>How deep the AMQP codec let tables nest (v1 records hold nothing deeper).</summary>
    private const int MaxNestingDepth = 64;

    // The type names the AMQP adapter gives values no plain .NET type holds (AmqpDecimal, FieldTableCodec).
    private const string DecimalAttributeType = "amqp.decimal";
    private const string TimestampAttributeType = "amqp.timestamp";

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    /// <summary>A uint32 length, then (shortstr name, tagged value) pairs; a repeated name keeps its last value.</summary>
    public static Dictionary<string, object?> ReadTable(ref RecordReader reader, int depth)
    {
        CheckDepth(depth);
        int length = reader.ReadLength();
        int end = reader.Position + length;
        var table = new Dictionary<string, object?>();
        while (reader.Position < end) table[MessageRecordV1.ReadShortString(ref reader)] = ReadValue(ref reader, depth);
        if (reader.Position != end) throw new InvalidDataException("a field table's entries overrun its length");
        return table;
    }

    private static List<object?> ReadArray(ref RecordReader reader, int depth)
    {
        CheckDepth(depth);
        int length = reader.ReadLength();
        int end = reader.Position + length;
        var array = new List<object?>();
        while (reader.Position < end) array.Add(ReadValue(ref reader, depth));
        if (reader.Position != end) throw new InvalidDataException("a field array's values overrun its length");
        return array;
    }

    private static object? ReadValue(ref RecordReader reader, int depth)
    {
        byte tag = reader.ReadByte();
        return tag switch
        {
            (byte)'t' => reader.ReadByte() != 0 ? BoxedTrue : BoxedFalse,
            (byte)'b' => (sbyte)reader.ReadByte(),
            (byte)'B' => reader.ReadByte(),
            (byte)'s' => reader.ReadInt16(),
            (byte)'u' => reader.ReadUInt16(),
            (byte)'I' => reader.ReadInt32(),
            (byte)'i' => reader.ReadUInt32(),
            (byte)'l' or (byte)'L' => reader.ReadInt64(),
            (byte)'f' => BitConverter.Int32BitsToSingle(reader.ReadInt32()),
            (byte)'d' => BitConverter.Int64BitsToDouble(reader.ReadInt64()),
            (byte)'D' => ReadDecimal(reader.ReadByte(), reader.ReadInt32()),
            (byte)'S' => ReadLongString(ref reader),
            (byte)'A' => ReadArray(ref reader, depth + 1),
            (byte)'T' => ReadTimestamp(reader.ReadUInt64()),
            (byte)'F' => ReadTable(ref reader, depth + 1),
            (byte)'V' => null,
            (byte)'x' => reader.ReadBytes(),
            _ => throw new InvalidDataException($"unknown AMQP field value type tag 0x{tag:X2}"),
        };
    }

    private static object ReadLongString(ref RecordReader reader)
    {
        var bytes = reader.Take(reader.ReadLength());
        return Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : new RawText(bytes.ToArray());
    }

    private static object ReadDecimal(byte scale, int unscaled) => scale <= 28
        ? new decimal((int)(uint)Math.Abs((long)unscaled), 0, 0, unscaled < 0, scale) // int.MinValue's magnitude fits the low word as uint
        : new AttributeValue(DecimalAttributeType, string.Create(CultureInfo.InvariantCulture, $"{unscaled}/{scale}"));

    private static object ReadTimestamp(ulong seconds) =>
        seconds <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds((long)seconds)
            : new AttributeValue(TimestampAttributeType, seconds.ToString(CultureInfo.InvariantCulture));

    private static void CheckDepth(int depth)
    {
        if (depth > MaxNestingDepth) throw new InvalidDataException($"field tables nested more than {MaxNestingDepth} deep");
    }
}
