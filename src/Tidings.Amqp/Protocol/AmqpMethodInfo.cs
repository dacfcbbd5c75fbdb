namespace Tidings.Amqp.Protocol;

/// <summary>What the spec says about one method: its name, whether content follows it, and what it expects back.</summary>
/// <param name="Id">The (class, method) id.</param>
/// <param name="Name">The dotted name, e.g. <c>queue.declare</c>.</param>
/// <param name="HasContent">True when a content header and body frames follow the method frame.</param>
/// <param name="IsSynchronous">True when the method is a request the peer must answer.</param>
/// <param name="Responses">The methods that may answer it (empty unless synchronous).</param>
/// <param name="ClrType">The generated struct implementing <see cref="IAmqpMethod{TSelf}"/>.</param>
public sealed record AmqpMethodInfo(
    AmqpMethodId Id,
    string Name,
    bool HasContent,
    bool IsSynchronous,
    IReadOnlyList<AmqpMethodId> Responses,
    Type ClrType)
{
    /// <summary>The class id, e.g. 50 for queue.</summary>
    public ushort ClassId => AmqpMethods.GetClassId(Id);

    /// <summary>The method id within the class.</summary>
    public ushort MethodId => AmqpMethods.GetMethodId(Id);
}
