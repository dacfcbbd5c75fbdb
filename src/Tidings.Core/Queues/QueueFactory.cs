using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Core.Queues;

/// <summary>What a queue.declare asked for, validated: the one argument every queue kind's constructor takes.</summary>
internal readonly record struct QueueDeclaration(VirtualHost VirtualHost, string Name, bool Durable, bool Exclusive,
    bool AutoDelete, IReadOnlyDictionary<string, object?>? Arguments, QueueArguments Settings, ClientConnection? Owner);

/// <summary>
/// Picks a queue's kind from its x-queue-type, as LavinMQ's queue_factory does. Adding a kind
/// (stream, quorum) is one class implementing <see cref="IQueue"/> and one line in <see cref="Kinds"/>.
/// </summary>
internal static class QueueFactory
{
    /// <summary>The x-queue-type given when none is: RabbitMQ 3.x's default queue type.</summary>
    public const string DefaultKind = MessageQueue.KindName;

    /// <summary>Constructors by x-queue-type. Read-only after start-up.</summary>
    private static readonly Dictionary<string, Func<QueueDeclaration, IQueue>> Kinds = new(StringComparer.Ordinal)
    {
        [MessageQueue.KindName] = static declaration => new MessageQueue(declaration),
        [StreamQueue.KindName] = static declaration => new StreamQueue(declaration),
    };

    /// <summary>
    /// The kind named by x-queue-type (absent: classic). An unknown kind is refused with
    /// PRECONDITION_FAILED "invalid arg 'x-queue-type'", as RabbitMQ refuses it; kinds Tidings does
    /// not have yet (quorum, stream) are refused, not faked as classic queues.
    /// </summary>
    public static string KindOf(IReadOnlyDictionary<string, object?>? arguments, string queue, string vhost)
    {
        if (arguments is null || !arguments.TryGetValue("x-queue-type", out var value)) return DefaultKind;
        if (FieldValue.AsString(value) is { } kind && Kinds.ContainsKey(kind)) return kind;
        throw QueueArguments.Invalid("x-queue-type", value, queue, vhost);
    }

    /// <summary>Builds a queue of the declaration's kind (already checked by <see cref="KindOf"/>).</summary>
    public static IQueue Create(QueueDeclaration declaration) =>
        Kinds[KindOf(declaration.Arguments, declaration.Name, declaration.VirtualHost.Name)](declaration);
}
