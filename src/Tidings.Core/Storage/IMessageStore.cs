using Tidings.Core.Messages;
using Tidings.Core.Queues;

namespace Tidings.Core.Storage;

/// <summary>
/// Where durable queues keep their persistent messages. The core calls it; an implementation
/// (Tidings.Storage's segment store) decides how bytes reach the disk. Without a store, every
/// message lives in memory only.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Opens the log of a durable queue, handing back every message it still holds, in order
    /// (a restart). A new queue gets an empty log.
    /// </summary>
    IQueueLog OpenQueue(string virtualHost, string queue, Action<Message, StoredMessage> recovered);
}

/// <summary>The persistent messages of one durable queue.</summary>
public interface IQueueLog
{
    /// <summary>
    /// Writes a message. <paramref name="onDurable"/> runs (on the store's thread) once it is on
    /// disk; that is when a publisher confirm may be sent.
    /// </summary>
    StoredMessage Append(Message message, Action<object?> onDurable, object? state);

    /// <summary>Reads a written message back (a long queue keeps only a window of messages in memory).</summary>
    Message Read(StoredMessage message);

    /// <summary>The message left the queue (acked, dropped, expired): it must not come back.</summary>
    void Remove(StoredMessage message);

    /// <summary>The queue was deleted: its messages and files go.</summary>
    void Delete();
}

/// <summary>A message's handle in its queue log. The store sets <see cref="Id"/> when it writes it.</summary>
public class StoredMessage
{
    /// <summary>Location in the log, assigned by the store's writer.</summary>
    public ulong Id { get; set; }
}
