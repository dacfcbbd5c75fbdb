using System.Buffers.Binary;

namespace Tidings.PerfTest;

/// <summary>
/// The body layout: bytes 0..7 the sender's Stopwatch timestamp, bytes 8..15 the run nonce of the
/// sending process, the rest zeros. The nonce lets a consumer tell this process's messages from ones
/// an earlier run left in the queue, whose timestamps mean nothing here.
/// </summary>
public static class MessageBody
{
    public static byte[] Create(int size, long nonce)
    {
        var body = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8), nonce);
        return body;
    }

    public static void Stamp(byte[] body, long timestamp) =>
        BinaryPrimitives.WriteInt64LittleEndian(body, timestamp);

    /// <summary>The send timestamp when the body carries <paramref name="nonce"/>; otherwise false.</summary>
    public static bool TryReadTimestamp(ReadOnlySpan<byte> body, long nonce, out long timestamp)
    {
        if (body.Length >= PerfTestOptions.MinimumSize && BinaryPrimitives.ReadInt64LittleEndian(body[8..]) == nonce)
        {
            timestamp = BinaryPrimitives.ReadInt64LittleEndian(body);
            return true;
        }
        timestamp = 0;
        return false;
    }
}
