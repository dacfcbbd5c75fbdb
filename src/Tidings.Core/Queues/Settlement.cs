namespace Tidings.Core.Queues;

/// <summary>How a delivery is settled.</summary>
public enum Settlement
{
    /// <summary>Done with: the message leaves the queue for good.</summary>
    Ack,
    /// <summary>Back to the queue at its original position, marked redelivered.</summary>
    Requeue,
    /// <summary>Refused: dead-lettered if the queue has a dead-letter exchange, else dropped.</summary>
    Reject,
    /// <summary>Back to the queue, but not deliverable before the given delay has passed (SQS ChangeMessageVisibility).</summary>
    RequeueAfterDelay,
}
