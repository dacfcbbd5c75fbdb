namespace Tidings.Amqp.Protocol;

public static partial class AmqpReplyCodes
{
    /// <summary>The longest reply text AMQP can carry (it is a short string).</summary>
    public const int MaxReplyTextBytes = 255;

    /// <summary>
    /// The reply text RabbitMQ sends for <paramref name="replyCode"/>: the code's upper-case name, " - ",
    /// then the explanation, cut to 255 UTF-8 bytes, e.g. <c>NOT_FOUND - no queue 'q1' in vhost '/'</c>.
    /// Clients and their test suites match on the name prefix.
    /// </summary>
    public static string FormatReplyText(ushort replyCode, string explanation)
    {
        string name = GetName(replyCode) ?? replyCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return AmqpWire.TruncateUtf8($"{name} - {explanation}", MaxReplyTextBytes);
    }
}
