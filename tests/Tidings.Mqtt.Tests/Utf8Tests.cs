using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Tests;

public sealed class Utf8Tests
{
    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x61 })]
    [InlineData(new byte[] { 0xC3, 0xA9 })] // é
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })] // U+FEFF is a character, not stripped
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80 })] // a supplementary character
    [InlineData(new byte[] { 0x01, 0x7F })] // control characters are allowed (the spec only permits refusing them)
    public void Well_formed_strings_are_accepted(byte[] utf8) => Assert.True(MqttUtf8.IsValid(utf8));

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x61, 0x00 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // U+D800
    [InlineData(new byte[] { 0xED, 0xBF, 0xBF })] // U+DFFF
    [InlineData(new byte[] { 0xC0, 0x80 })] // overlong U+0000
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0x80 })] // lone continuation byte
    public void Ill_formed_strings_and_U0000_are_malformed(byte[] utf8)
    {
        Assert.False(MqttUtf8.IsValid(utf8));
        Bytes.Throws(() => MqttUtf8.Decode(utf8, "test"), MqttReasonCode.MalformedPacket);
    }
}
