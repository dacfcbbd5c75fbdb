using System.Buffers;
using System.Text;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Tests;

/// <summary>Builds raw packets byte by byte for the cases no well-behaved encoder produces.</summary>
internal static class Bytes
{
    /// <summary>A whole packet: first byte, remaining length, body.</summary>
    public static byte[] Packet(byte first, params byte[][] parts)
    {
        byte[] body = [.. parts.SelectMany(p => p)];
        Span<byte> length = stackalloc byte[4];
        int n = MqttVariableByteInteger.Write(length, body.Length);
        return [first, .. length[..n], .. body];
    }

    public static byte[] Str(string value) => Bin(Encoding.UTF8.GetBytes(value));

    public static byte[] Bin(byte[] value) => [(byte)(value.Length >> 8), (byte)value.Length, .. value];

    public static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] B(params byte[] value) => value;

    /// <summary>A property block: VBI length then the entries.</summary>
    public static byte[] Props(params byte[][] entries)
    {
        byte[] content = [.. entries.SelectMany(p => p)];
        Span<byte> length = stackalloc byte[4];
        int n = MqttVariableByteInteger.Write(length, content.Length);
        return [.. length[..n], .. content];
    }

    /// <summary>Reads exactly one packet from <paramref name="bytes"/> (no size limit).</summary>
    public static MqttPacket Read(byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketReader.TryRead(ref buffer, 0, out var packet), "expected a whole packet");
        Assert.True(buffer.IsEmpty, "expected nothing after the packet");
        return packet;
    }

    /// <summary>The same bytes as a sequence of one-byte segments, to exercise segment boundaries.</summary>
    public static ReadOnlySequence<byte> Fragmented(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (int i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    public static MqttProtocolException Throws(Action action, MqttReasonCode expected)
    {
        var error = Assert.Throws<MqttProtocolException>(action);
        Assert.True(expected == error.ReasonCode, $"expected {expected}, got {error.ReasonCode}: {error.Message}");
        return error;
    }
}
