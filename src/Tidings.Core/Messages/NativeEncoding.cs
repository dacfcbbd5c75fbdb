namespace Tidings.Core.Messages;

/// <summary>
/// Message properties exactly as the publishing protocol encoded them (for AMQP 0-9-1 the
/// content header's property flags and properties). A consumer on the same protocol gets these
/// bytes back untouched; every other protocol converts from the neutral fields. Hangs on a
/// <see cref="MessageProperties"/> instance, so properties decoded once and shared by many
/// messages carry one copy; a change to the properties (dead-lettering, reply-to rewrites) makes
/// a new instance without it.
/// </summary>
/// <param name="Protocol">The encoding's protocol, e.g. <see cref="Amqp091"/>.</param>
/// <param name="Bytes">The encoded properties.</param>
public sealed record NativeEncoding(string Protocol, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>AMQP 0-9-1's content-header properties (flags words then the present properties).</summary>
    public const string Amqp091 = "amqp-0-9-1";
}
