namespace Tidings.Mqtt.Protocol;

/// <summary>How a property's value is encoded.</summary>
public enum MqttPropertyType : byte
{
    /// <summary>One byte.</summary>
    Byte,
    /// <summary>uint16 big-endian.</summary>
    TwoByteInteger,
    /// <summary>uint32 big-endian.</summary>
    FourByteInteger,
    /// <summary>Variable Byte Integer.</summary>
    VariableByteInteger,
    /// <summary>uint16 length and bytes.</summary>
    BinaryData,
    /// <summary>uint16 length and UTF-8.</summary>
    Utf8String,
    /// <summary>Two UTF-8 strings.</summary>
    Utf8StringPair,
}
