using System.Buffers;
using System.Globalization;

namespace Tidings.Amqp.Tests.Protocol;

/// <summary>Byte helpers for the codec tests: hex literals, encode-to-array, and sequences cut into tiny segments.</summary>
internal static class ProtocolTestBuffers
{
    /// <summary>Bytes from hex such as "01 0000 0000000C CE" (spaces ignored).</summary>
    public static byte[] Hex(string hex)
    {
        string digits = hex.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
        return Convert.FromHexString(digits);
    }

    /// <summary>Upper-case hex with no separators, for readable equality failures.</summary>
    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>What <paramref name="write"/> writes into a fresh buffer writer.</summary>
    public static byte[] Written(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The bytes as a sequence of segments of at most <paramref name="segmentSize"/> bytes, to exercise segment boundaries.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        TestSegment? first = null;
        TestSegment? last = null;
        for (int offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var memory = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            last = last is null ? first = new TestSegment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>The same bytes as one segment, 1-byte segments and 3-byte segments.</summary>
    public static IEnumerable<ReadOnlySequence<byte>> Layouts(byte[] bytes)
    {
        yield return new ReadOnlySequence<byte>(bytes);
        yield return Segmented(bytes, 1);
        yield return Segmented(bytes, 3);
    }

    public static string Describe(object? value) => value switch
    {
        null => "null",
        byte[] b => "byte[] " + ToHex(b),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.GetType().Name} {value}"),
    };

    private sealed class TestSegment : ReadOnlySequenceSegment<byte>
    {
        public TestSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public TestSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new TestSegment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
