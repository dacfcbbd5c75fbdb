namespace Tidings.Core.Queues;

/// <summary>What a queue does when x-max-length or x-max-length-bytes is reached (x-overflow).</summary>
public enum OverflowMode
{
    /// <summary>Drop (or dead-letter) the oldest ready messages.</summary>
    DropHead,
    /// <summary>Refuse the new message; a confirming publisher gets a nack.</summary>
    RejectPublish,
    /// <summary>Refuse the new message and dead-letter it.</summary>
    RejectPublishDlx,
}
