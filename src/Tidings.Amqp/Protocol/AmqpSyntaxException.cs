namespace Tidings.Amqp.Protocol;

/// <summary>
/// A well-framed payload whose contents are malformed: method arguments or content header
/// truncated or followed by extra bytes, an unknown field-table type tag, a length that runs past
/// its container. Reply code 502 SYNTAX_ERROR (a connection error).
/// </summary>
public sealed class AmqpSyntaxException : AmqpProtocolException
{
    /// <summary>Creates the 502 error with <paramref name="explanation"/>.</summary>
    public AmqpSyntaxException(string explanation)
        : base(AmqpReplyCodes.SyntaxError, explanation)
    {
    }
}
