using Tidings.Core.Queues;
using Tidings.Core.Security;

namespace Tidings.Core;

/// <summary>Streams read without a consumer: by stored positions (the logging-queue API).</summary>
public sealed partial class VirtualHost
{
    /// <summary>
    /// The stream <paramref name="name"/>, after checking <paramref name="user"/> may use it so
    /// (null: the broker itself). NOT_FOUND when there is no such queue, PRECONDITION_FAILED when
    /// it is not a stream.
    /// </summary>
    public StreamQueue FindStreamForUse(string name, User? user, Permission permission)
    {
        var queue = QueueForConnectionless(name, user, permission);
        return queue as StreamQueue ?? throw new BrokerException(BrokerError.PreconditionFailed,
            $"queue '{name}' in vhost '{Name}' is not a stream");
    }
}
