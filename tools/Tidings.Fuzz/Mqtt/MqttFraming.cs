namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Splits bytes into MQTT packets by the fixed-header rules alone (type, flag nibble, remaining
/// length of at most four bytes, size limit, empty PINGREQ/PINGRESP), written from the
/// specification rather than taken from the broker's reader: it judges the client's input (where
/// the broker must find the same error) and the broker's output (which must have none).
/// </summary>
internal static class MqttFraming
{
    /// <summary>One packet: its first byte and its body (everything after the remaining length).</summary>
    internal readonly record struct Frame(byte First, byte[] Body)
    {
        public int Type => First >> 4;
    }

    /// <summary>The whole packets in order; the error that stopped the split (null: none); whether bytes were left over.</summary>
    internal sealed record Result(List<Frame> Frames, string? Error, bool Incomplete);

    /// <param name="bytes">A client's input or a server's output.</param>
    /// <param name="maxPacketSize">Larger packets are an error (0: no limit).</param>
    /// <param name="fromServer">True: only the packet types a server sends are allowed.</param>
    public static Result Split(ReadOnlySpan<byte> bytes, int maxPacketSize, bool fromServer)
    {
        var frames = new List<Frame>();
        int at = 0;
        while (at < bytes.Length)
        {
            var rest = bytes[at..];
            // The broker's reader looks at a header once two bytes are in; so does this.
            if (rest.Length < 2) return new Result(frames, null, true);
            byte first = rest[0];
            if (FlagError(first, fromServer) is { } bad) return new Result(frames, bad, false);
            int remaining = 0, lengthSize = 0;
            bool complete = false;
            for (int i = 0; i < 4; i++)
            {
                if (1 + i >= rest.Length) return new Result(frames, null, true);
                byte b = rest[1 + i];
                remaining |= (b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0)
                {
                    lengthSize = i + 1;
                    complete = true;
                    break;
                }
            }
            if (!complete) return new Result(frames, "remaining length longer than four bytes", false);
            long size = 1L + lengthSize + remaining;
            if (maxPacketSize > 0 && size > maxPacketSize) return new Result(frames, $"packet of {size} bytes over the maximum {maxPacketSize}", false);
            int type = first >> 4;
            if (remaining != 0 && type is 12 or 13) return new Result(frames, $"type {type} with a body of {remaining} bytes", false);
            if (rest.Length < size) return new Result(frames, null, true);
            frames.Add(new Frame(first, rest.Slice(1 + lengthSize, remaining).ToArray()));
            at += (int)size;
        }
        return new Result(frames, null, false);
    }

    private static string? FlagError(byte first, bool fromServer)
    {
        int type = first >> 4, flags = first & 0x0F;
        if (type == 0) return "reserved packet type 0";
        if (fromServer && type is 1 or 8 or 10 or 12) return $"type {type} is sent by clients only";
        if (type == 3)
        {
            int qos = (flags >> 1) & 3;
            if (qos == 3) return "PUBLISH with QoS 3";
            if (qos == 0 && (flags & 0x08) != 0) return "PUBLISH with DUP and QoS 0";
            return null;
        }
        int required = type is 6 or 8 or 10 ? 0b0010 : 0;
        return flags == required ? null : $"type {type} with flags {flags:X1} (must be {required:X1})";
    }
}
