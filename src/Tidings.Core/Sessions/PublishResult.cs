namespace Tidings.Core.Sessions;

/// <summary>What happened to one published message.</summary>
/// <param name="RoutedQueues">How many queues (or reply-to consumers) received it; 0 = unroutable.</param>
/// <param name="Rejected">
/// A queue refused it (x-overflow reject-publish): a confirming publisher must get a nack.
/// </param>
public readonly record struct PublishResult(int RoutedQueues, bool Rejected)
{
    /// <summary>No queue took the message: a mandatory publisher gets it back (NO_ROUTE).</summary>
    public bool Unroutable => RoutedQueues == 0;

    /// <summary>
    /// True when every target queue has taken responsibility, so the confirm can be sent now.
    /// The in-memory queues always settle at once; the durable store will settle later, after
    /// fsync, through the session's confirm listener.
    /// </summary>
    public bool Settled => true;
}
