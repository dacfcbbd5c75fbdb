using Tidings.Core.Messages;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Layout of the native bytes (<see cref="MqttMessageConverter.NativeProtocol"/>) an MQTT message
/// carries through the core: what the neutral properties cannot hold. Byte 0 the publish QoS, byte
/// 1 the payload format indicator (0xFF = absent), byte 2 <see cref="Flags"/>, then the publishing
/// client id in UTF-8 (for No Local). Messages stored by an older version have only bytes 0 and 1.
/// </summary>
internal static class MqttNativeBytes
{
    /// <summary>Bits of byte 2.</summary>
    [Flags]
    public enum Flags : byte
    {
        None = 0,
        /// <summary>The PUBLISH had RETAIN set (kept for Retain As Published).</summary>
        Retain = 1,
        /// <summary>Sent from the retained store at SUBSCRIBE: delivered with RETAIN whatever the options.</summary>
        FromRetainedStore = 2,
    }

    public const int HeaderLength = 3;

    /// <summary>Native bytes for a message published by <paramref name="publisher"/> (UTF-8 client id, empty for none).</summary>
    public static byte[] Make(MqttQos qos, byte formatIndicator, Flags flags, ReadOnlySpan<byte> publisher)
    {
        var bytes = new byte[HeaderLength + publisher.Length];
        bytes[0] = (byte)qos;
        bytes[1] = formatIndicator;
        bytes[2] = (byte)flags;
        publisher.CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    /// <summary>The MQTT native bytes of <paramref name="properties"/>; empty when the message did not come from MQTT.</summary>
    public static ReadOnlySpan<byte> Of(MessageProperties properties) =>
        properties.Native is { Protocol: MqttMessageConverter.NativeProtocol } native ? native.Bytes.Span : default;

    public static Flags FlagsOf(ReadOnlySpan<byte> native) => native.Length >= HeaderLength ? (Flags)native[2] : Flags.None;

    /// <summary>True when the message was published by the client whose UTF-8 id is <paramref name="publisher"/>.</summary>
    public static bool IsFrom(ReadOnlySpan<byte> native, ReadOnlySpan<byte> publisher) =>
        native.Length >= HeaderLength && native[HeaderLength..].SequenceEqual(publisher);
}
