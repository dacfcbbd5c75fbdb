using System.Text;
using Tidings.Mqtt.Protocol;

namespace Tidings.Fuzz.Mqtt;

/// <summary>5.0 property entries as the wire has them (id, then the value in its type's encoding), for the corpus.</summary>
internal static class MqttProperty
{
    public static byte[] Byte(MqttPropertyId id, byte value) => [(byte)id, value];

    public static byte[] UInt16(MqttPropertyId id, ushort value) => [(byte)id, .. MqttClientPackets.UInt16(value)];

    public static byte[] UInt32(MqttPropertyId id, uint value) =>
        [(byte)id, (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] VariableByteInteger(MqttPropertyId id, int value) => [(byte)id, .. MqttWirePacket.VariableByteInteger(value)];

    public static byte[] String(MqttPropertyId id, string value) => [(byte)id, .. MqttClientPackets.String(value)];

    public static byte[] Binary(MqttPropertyId id, byte[] value) => [(byte)id, .. MqttClientPackets.Binary(value)];

    public static byte[] User(string name, string value) =>
        [(byte)MqttPropertyId.UserProperty, .. MqttClientPackets.String(name), .. MqttClientPackets.String(value)];

    /// <summary>A whole property block (length, then entries), for the will properties inside the CONNECT payload.</summary>
    public static byte[] Block(params byte[][] entries)
    {
        byte[] content = [.. entries.SelectMany(e => e)];
        return [.. MqttWirePacket.VariableByteInteger(content.Length), .. content];
    }

    public static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);
}
