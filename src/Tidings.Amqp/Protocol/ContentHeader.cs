using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>A decoded content header frame: which class the content belongs to, how big the body is, and its properties.</summary>
/// <param name="ClassId">The class of the method the content belongs to; 60 (basic) is the only class with content.</param>
/// <param name="Weight">Unused by AMQP 0-9-1; clients send 0.</param>
/// <param name="BodySize">Total body bytes that the following body frames carry.</param>
/// <param name="Properties">The basic properties; <see cref="MessageProperties.Empty"/> when no flag is set.</param>
public readonly record struct ContentHeader(ushort ClassId, ushort Weight, ulong BodySize, MessageProperties Properties);
