using System.Text;
using System.Text.Unicode;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// The rules for UTF-8 Encoded Strings: well-formed UTF-8 (so no encoded surrogates U+D800..U+DFFF
/// and no overlong forms) and no U+0000. A violation makes the packet malformed. Control characters
/// and non-characters are allowed: the specification only says a receiver may refuse them.
/// </summary>
public static class MqttUtf8
{
    /// <summary>The longest string: the length prefix is a uint16.</summary>
    public const int MaxBytes = ushort.MaxValue;

    /// <summary>True when <paramref name="utf8"/> is an acceptable MQTT string body.</summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8) => !utf8.Contains((byte)0) && Utf8.IsValid(utf8);

    /// <summary>Checks and decodes; <paramref name="what"/> names the field in the error.</summary>
    /// <exception cref="MqttProtocolException">Malformed UTF-8 or U+0000.</exception>
    public static string Decode(ReadOnlySpan<byte> utf8, string what)
    {
        Check(utf8, what);
        return utf8.IsEmpty ? string.Empty : Encoding.UTF8.GetString(utf8);
    }

    /// <summary>Throws when <paramref name="utf8"/> is not an acceptable MQTT string body.</summary>
    /// <exception cref="MqttProtocolException">Malformed UTF-8 or U+0000.</exception>
    public static void Check(ReadOnlySpan<byte> utf8, string what)
    {
        if (utf8.Contains((byte)0))
        {
            throw MqttProtocolException.Malformed($"{what} contains U+0000");
        }

        if (!Utf8.IsValid(utf8))
        {
            throw MqttProtocolException.Malformed($"{what} is not well-formed UTF-8");
        }
    }
}
