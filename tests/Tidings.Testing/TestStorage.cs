using Tidings.Core;
using Tidings.Storage;
using Tidings.Storage.Streams;

namespace Tidings.Testing;

/// <summary>
/// The server's storage for an in-process test broker, in the host's order: message and stream stores,
/// definitions read back, definitions persisted on change; closed after the broker. Lets a test
/// restart a broker on the same data directory and see its durable queues and messages again.
/// </summary>
internal sealed class TestStorage
{
    private readonly SegmentMessageStore _messages;
    private readonly SegmentStreamStore _streams;
    private readonly DefinitionsPersister _definitions;

    private TestStorage(SegmentMessageStore messages, SegmentStreamStore streams, DefinitionsPersister definitions)
    {
        _messages = messages;
        _streams = streams;
        _definitions = definitions;
    }

    /// <summary>Opens <paramref name="broker"/>'s data directory; the loading problems (damage) fail the test.</summary>
    public static TestStorage Attach(Broker broker)
    {
        var messages = new SegmentMessageStore(Path.Combine(broker.Options.DataDirectory, "msgs"), broker.StoreFsyncLatency, faults: broker.Faults);
        broker.MessageStore = messages;
        var streams = new SegmentStreamStore(Path.Combine(broker.Options.DataDirectory, "streams"), broker.StoreFsyncLatency, faults: broker.Faults);
        broker.StreamStore = streams;
        var problems = DefinitionsFile.Load(broker, broker.Options.DataDirectory);
        if (problems.Count > 0) throw new InvalidOperationException("definitions did not load: " + string.Join("; ", problems));
        return new TestStorage(messages, streams, new DefinitionsPersister(broker, broker.Options.DataDirectory));
    }

    /// <summary>Writes the last definitions, disposes the broker, then flushes and closes the message store.</summary>
    public async ValueTask CloseAsync(Broker broker)
    {
        await _definitions.DisposeAsync().ConfigureAwait(false);
        broker.Dispose();
        await _messages.DisposeAsync().ConfigureAwait(false);
        await _streams.DisposeAsync().ConfigureAwait(false);
    }
}
