namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// One client packet split where the mutator wants to cut it: the first byte (type and flags),
/// the variable header up to the properties, the 5.0 property block as separate entries (id and
/// value), and the rest. <see cref="Encode"/> recomputes the lengths, so a garbled part still
/// reaches the decoder, unless a skew or a raw remaining length was set on purpose.
/// </summary>
internal sealed class MqttWirePacket(byte first, byte[] head, List<byte[]>? properties = null, byte[]? tail = null)
{
    public byte First { get; set; } = first;

    /// <summary>The variable header before the properties (packet id, topic, protocol name, reason code).</summary>
    public byte[] Head { get; set; } = head;

    /// <summary>5.0 property entries, each its id then its value; null when the packet has no property block.</summary>
    public List<byte[]>? Properties { get; set; } = properties;

    /// <summary>What follows the properties: the payload, the filters, the CONNECT payload.</summary>
    public byte[] Tail { get; set; } = tail ?? [];

    /// <summary>Added to the property length written, so it disagrees with the entries.</summary>
    public int PropertyLengthSkew { get; set; }

    /// <summary>Written instead of the true remaining length (wrong value, non-minimal or over-long encoding).</summary>
    public byte[]? RemainingLengthOverride { get; set; }

    public int Type => First >> 4;

    public MqttWirePacket Clone() => new(First, Head.ToArray(), Properties?.Select(p => p.ToArray()).ToList(), Tail.ToArray())
    {
        PropertyLengthSkew = PropertyLengthSkew,
        RemainingLengthOverride = RemainingLengthOverride?.ToArray(),
    };

    /// <summary>Everything after the fixed header, property length included.</summary>
    public byte[] Body()
    {
        var body = new List<byte>(Head.Length + Tail.Length + 16);
        body.AddRange(Head);
        if (Properties is not null)
        {
            int length = Properties.Sum(p => p.Length);
            body.AddRange(VariableByteInteger(Math.Clamp(length + PropertyLengthSkew, 0, 0x0FFFFFFF)));
            foreach (var entry in Properties) body.AddRange(entry);
        }
        body.AddRange(Tail);
        return [.. body];
    }

    public byte[] Encode()
    {
        byte[] body = Body();
        return [First, .. RemainingLengthOverride ?? VariableByteInteger(body.Length), .. body];
    }

    /// <summary>MQTT's Variable Byte Integer, written here rather than by the broker's code so the two can disagree.</summary>
    public static byte[] VariableByteInteger(int value)
    {
        var bytes = new List<byte>(4);
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            bytes.Add(b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
