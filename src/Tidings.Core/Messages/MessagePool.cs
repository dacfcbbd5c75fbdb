using System.Numerics;

namespace Tidings.Core.Messages;

/// <summary>
/// Reuses messages and their body buffers so that a steady publish → deliver → ack stream
/// allocates nothing. A returned message keeps its buffer and waits in the stack of its size
/// class (powers of two from 64 B to 64 KiB). A general-purpose pool such as
/// <c>ArrayPool.Shared</c> keeps only a few dozen arrays per size, far fewer than the
/// thousands a prefetch window holds in flight. One per broker; any thread may rent and return.
/// </summary>
public sealed class MessagePool
{
    /// <summary>Larger bodies are plain arrays the GC owns: pooling them would hold big buffers for little gain.</summary>
    public const int MaxPooledBodySize = 64 * 1024;
    private const int SmallestClassBits = 6;
    private const int ClassCount = 11;
    /// <summary>Each size class keeps at most this many buffer bytes (and at most <see cref="MaxPerClass"/> messages).</summary>
    private const int MaxBytesPerClass = 4 * 1024 * 1024;
    private const int MaxPerClass = 8192;

    private readonly SizeClass[] _classes = new SizeClass[ClassCount];

    /// <summary>
    /// Told about every new body buffer (not about reused ones), so a storm of new memory is
    /// noticed before the watermark's next sample. Set once by the broker; null when the
    /// watermark is off.
    /// </summary>
    internal MemoryWatermark? Watermark { get; set; }

    public MessagePool()
    {
        for (int i = 0; i < ClassCount; i++)
        {
            int size = 1 << (SmallestClassBits + i);
            _classes[i] = new SizeClass(size, Math.Min(MaxPerClass, MaxBytesPerClass / size));
        }
    }

    /// <summary>
    /// A message with a body of <paramref name="bodySize"/> bytes for the caller to fill (see
    /// <see cref="BodyBuffer"/>). The caller holds one reference and releases it with
    /// <see cref="ReleasePublisherReference"/> once it has published the message.
    /// </summary>
    public Message Rent(string exchange, string routingKey, MessageProperties properties, int bodySize)
    {
        if (bodySize > MaxPooledBodySize)
        {
            Watermark?.OnAllocated(bodySize);
            return new Message(exchange, routingKey, properties, new byte[bodySize]);
        }
        var sizeClass = _classes[ClassOf(bodySize)];
        var message = sizeClass.TryPop() ?? new Message("", "", MessageProperties.Empty, default);
        var buffer = message.Buffer ?? NewBuffer(sizeClass.BufferSize);
        message.Reset(this, exchange, routingKey, properties, buffer, bodySize);
        return message;
    }

    private byte[] NewBuffer(int size)
    {
        Watermark?.OnAllocated(size);
        return new byte[size];
    }

    /// <summary>
    /// Drops the spare messages and buffers, so the GC can give their memory back: the memory
    /// watermark calls it when the process is over its limit. Renting after it simply allocates.
    /// </summary>
    public void Trim()
    {
        foreach (var sizeClass in _classes) sizeClass.Clear();
    }

    /// <summary>The writable body of a message from <see cref="Rent"/>.</summary>
    public static Memory<byte> BodyBuffer(Message message) =>
        message.Buffer is { } buffer
            ? buffer.AsMemory(0, message.Body.Length)
            : System.Runtime.InteropServices.MemoryMarshal.AsMemory(message.Body);

    /// <summary>The renter is done with the message (published, or abandoned).</summary>
    public static void ReleasePublisherReference(Message message) => message.Release();

    /// <summary>Messages waiting for reuse, for tests and diagnostics.</summary>
    public int Available => _classes.Sum(c => c.Count);

    internal void Return(Message message)
    {
        var buffer = message.Buffer!;
#if DEBUG
        // Anyone still reading this body after its last release reads garbage that tests notice.
        buffer.AsSpan().Fill(0xDB);
#endif
        message.Clear();
        _classes[ClassOf(buffer.Length)].TryPush(message);
    }

    private static int ClassOf(int size) =>
        size <= 1 << SmallestClassBits ? 0 : BitOperations.Log2((uint)size - 1) + 1 - SmallestClassBits;

    /// <summary>Returned messages whose buffers are exactly <see cref="BufferSize"/> bytes.</summary>
    private sealed class SizeClass(int bufferSize, int capacity)
    {
        /// <summary>Guards the stack; held for one push or pop.</summary>
        private readonly Lock _lock = new();
        private readonly Message?[] _free = new Message?[capacity];
        private int _count;

        public int BufferSize { get; } = bufferSize;

        public int Count { get { lock (_lock) return _count; } }

        public Message? TryPop()
        {
            lock (_lock)
            {
                if (_count == 0) return null;
                var message = _free[--_count];
                _free[_count] = null;
                return message;
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                Array.Clear(_free, 0, _count);
                _count = 0;
            }
        }

        public void TryPush(Message message)
        {
            lock (_lock)
            {
                if (_count < _free.Length) _free[_count++] = message;
            }
        }
    }
}
