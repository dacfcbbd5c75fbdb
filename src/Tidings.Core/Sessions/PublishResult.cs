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
}
