namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Whether the broker answered a client's input the MQTT way. The rules, checked on the packets
/// the broker wrote: nothing but CONNACK comes first, and nothing at all when the input does not
/// start with CONNECT; a refusing CONNACK and a DISCONNECT are the last packet; every reason code
/// is one the packet may carry (5.0 tables, 3.1.1 return codes); a 3.1.1 client never gets
/// DISCONNECT or AUTH; and once a 5.0 client is accepted, a framing error in its input (seen by
/// <see cref="MqttFraming"/>, before any DISCONNECT of its own) is answered with a DISCONNECT
/// whose reason code is an error (0x81 malformed, 0x82 protocol error, 0x95 packet too large...).
/// </summary>
internal static class MqttReplyCheck
{
    /// <summary>5.0 CONNACK codes (the OASIS table; it lists 0x99 where Paho's codec does not).</summary>
    private static readonly HashSet<byte> ConnAckCodes =
        [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F];

    /// <summary>5.0 DISCONNECT codes a server may send (0x04, disconnect with will, is the client's).</summary>
    private static readonly HashSet<byte> DisconnectCodes =
        [0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B,
         0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2];

    private static readonly HashSet<byte> PubAckCodes = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
    private static readonly HashSet<byte> PubRelCodes = [0x00, 0x92];
    private static readonly HashSet<byte> SubAckCodes = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];
    private static readonly HashSet<byte> UnsubAckCodes = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
    private static readonly HashSet<byte> AuthCodes = [0x00, 0x18, 0x19];

    /// <summary>Returns the rule <paramref name="output"/> breaks as the answer to <paramref name="input"/> (one finding kind per rule), or null.</summary>
    public static Failure? Check(byte[] input, MqttFraming.Result output, int maxPacketSize)
    {
        if (output.Error is not null) return Broken("server wrote a malformed packet", $"after {output.Frames.Count} packets: {output.Error}", output);
        if (output.Incomplete) return Broken("the output ends inside a packet", $"after {output.Frames.Count} packets", output);
        var sent = MqttFraming.Split(input, maxPacketSize, fromServer: false);
        var frames = output.Frames;
        if (frames.Count == 0) return null;
        if (sent.Frames.Count == 0 || sent.Frames[0].Type != 1) return Broken("answered an input that does not start with CONNECT", "", output);
        if (frames[0].Type != 2) return Broken("first reply is not CONNACK", "", output);
        bool v5 = ProtocolLevel(sent.Frames[0].Body) == 5;
        for (int i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            bool last = i == frames.Count - 1;
            if (frame.Type == 2 && i > 0) return Broken("a second CONNACK", $"at reply {i}", output);
            if (ReasonError(frame, v5) is { } wrong) return Broken($"{(v5 ? "5.0" : "3.1.1")} reply {Name(frame.Type)} not as the protocol defines it", $"reply {i}: {wrong}", output);
            if (!last && frame.Type == 14) return Broken($"{Name(frames[i + 1].Type)} sent after DISCONNECT", $"reply {i} is DISCONNECT but {frames.Count - 1 - i} more followed", output);
            if (!last && frame.Type == 2 && !Accepted(frame)) return Broken("packets sent after a refusing CONNACK", $"{frames.Count - 1} more", output);
        }
        if (!v5 || !Accepted(frames[0]) || sent.Error is null) return null;
        // The framing error lies after packets the broker read; any DISCONNECT of the client's before it ends the connection first.
        if (sent.Frames.Skip(1).Any(f => f.Type == 14)) return null;
        var end = frames[^1];
        if (end.Type != 14 || end.Body.Length == 0 || end.Body[0] < 0x80)
            return Broken("5.0 framing error after CONNECT not answered with an error DISCONNECT", $"{sent.Error}, after {sent.Frames.Count} packets", output);
        return null;
    }

    private static Failure Broken(string rule, string detail, MqttFraming.Result output) =>
        new("answer not the MQTT way: " + rule, $"{rule}: {detail}{Environment.NewLine}replies: {string.Join(", ", output.Frames.Select(f => Name(f.Type)))}");

    private static string Name(int type) => type switch
    {
        1 => "CONNECT",
        2 => "CONNACK",
        3 => "PUBLISH",
        4 => "PUBACK",
        5 => "PUBREC",
        6 => "PUBREL",
        7 => "PUBCOMP",
        8 => "SUBSCRIBE",
        9 => "SUBACK",
        10 => "UNSUBSCRIBE",
        11 => "UNSUBACK",
        12 => "PINGREQ",
        13 => "PINGRESP",
        14 => "DISCONNECT",
        15 => "AUTH",
        _ => $"type {type}",
    };

    /// <summary>The protocol level of a CONNECT body (0 when it is too short to have one).</summary>
    public static int ProtocolLevel(byte[] connect)
    {
        if (connect.Length < 2) return 0;
        int at = 2 + ((connect[0] << 8) | connect[1]);
        return at < connect.Length ? connect[at] : 0;
    }

    public static bool Accepted(MqttFraming.Frame connAck) => connAck.Body.Length >= 2 && connAck.Body[1] == 0;

    /// <summary>The reason code of a server packet that carries one (5.0), or 3.1.1's CONNACK and SUBACK codes, checked against the tables.</summary>
    private static string? ReasonError(MqttFraming.Frame frame, bool v5)
    {
        var body = frame.Body;
        switch (frame.Type)
        {
            case 2:
                if (!v5 && body.Length != 2) return $"3.1.1 CONNACK of {body.Length} bytes";
                if (body.Length < 2) return "CONNACK shorter than 2 bytes";
                if ((body[0] & 0xFE) != 0) return $"CONNACK acknowledge flags 0x{body[0]:X2}";
                if (body[0] == 1 && body[1] != 0) return "Session Present with a refusing CONNACK";
                if (v5 ? !ConnAckCodes.Contains(body[1]) : body[1] > 5) return $"CONNACK code 0x{body[1]:X2}";
                return null;
            case 4 or 5 or 6 or 7:
                if (body.Length < 2) return $"type {frame.Type} without a packet id";
                if (!v5 || body.Length == 2) return body.Length == 2 ? null : $"3.1.1 type {frame.Type} of {body.Length} bytes";
                var codes = frame.Type is 6 or 7 ? PubRelCodes : PubAckCodes;
                return codes.Contains(body[2]) ? null : $"type {frame.Type} reason code 0x{body[2]:X2}";
            case 9 or 11:
            {
                if (body.Length < 2) return $"type {frame.Type} without a packet id";
                int at = 2;
                if (v5 && !SkipProperties(body, ref at)) return $"type {frame.Type} with a broken property block";
                if (!v5 && frame.Type == 11) return body.Length == 2 ? null : $"3.1.1 UNSUBACK of {body.Length} bytes";
                var allowed = frame.Type == 9 ? v5 ? SubAckCodes : [0x00, 0x01, 0x02, 0x80] : UnsubAckCodes;
                if (at >= body.Length) return $"type {frame.Type} without a reason code";
                for (; at < body.Length; at++)
                    if (!allowed.Contains(body[at])) return $"type {frame.Type} reason code 0x{body[at]:X2}";
                return null;
            }
            case 14:
                if (!v5) return "DISCONNECT sent to a 3.1.1 client";
                return body.Length == 0 || DisconnectCodes.Contains(body[0]) ? null : $"DISCONNECT reason code 0x{body[0]:X2}";
            case 15:
                if (!v5) return "AUTH sent to a 3.1.1 client";
                return body.Length == 0 || AuthCodes.Contains(body[0]) ? null : $"AUTH reason code 0x{body[0]:X2}";
            default:
                return null;
        }
    }

    /// <summary>Moves <paramref name="at"/> past a property block; false when its length does not fit.</summary>
    private static bool SkipProperties(byte[] body, ref int at)
    {
        int length = 0;
        for (int i = 0; i < 4; i++)
        {
            if (at >= body.Length) return false;
            byte b = body[at++];
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                at += length;
                return at <= body.Length;
            }
        }
        return false;
    }
}
