using System.Globalization;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>An AMQP decimal as the wire has it: a count of decimal places and a signed 32-bit unscaled value.</summary>
public readonly record struct AmqpDecimal(byte Scale, int Unscaled)
{
    /// <summary>The type name a decimal that .NET's decimal cannot hold (more than 28 places) carries in the core.</summary>
    public const string AttributeType = "amqp.decimal";

    /// <summary>
    /// The neutral header value: a .NET decimal when it holds the value exactly (scale up to 28),
    /// else an <see cref="AttributeValue"/> "unscaled/scale" that writes back to the same decimal.
    /// </summary>
    public object ToNeutral() => Scale <= 28
        ? new decimal(Math.Abs(Unscaled), 0, 0, Unscaled < 0, Scale)
        : new AttributeValue(AttributeType, string.Create(CultureInfo.InvariantCulture, $"{Unscaled}/{Scale}"));

    /// <summary>Reads back the text <see cref="ToNeutral"/> makes for a large scale.</summary>
    public static bool TryParse(string text, out AmqpDecimal value)
    {
        value = default;
        int slash = text.IndexOf('/');
        if (slash < 0 ||
            !int.TryParse(text.AsSpan(0, slash), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int unscaled) ||
            !byte.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out byte scale))
            return false;
        value = new AmqpDecimal(scale, unscaled);
        return true;
    }
}
