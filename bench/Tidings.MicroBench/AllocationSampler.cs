using System.Diagnostics.Tracing;

namespace Tidings.MicroBench;

/// <summary>
/// Listens to the runtime's GCAllocationTick events (one per ~100 KB allocated, naming the type of
/// the object that crossed the threshold) and adds them up per type: a cheap sampling profile of
/// who allocates. Its own bookkeeping allocates too, so measure totals without it.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const int GCAllocationTickEventId = 10;
    private const EventKeywords GCKeyword = (EventKeywords)0x1;

    /// <summary>Sampled bytes per type name. Guarded by itself (events arrive on the runtime's thread).</summary>
    private readonly Dictionary<string, long> _bytesByType = [];
    private volatile bool _recording;

    /// <summary>Starts counting (events before this are ignored).</summary>
    public void Start() => _recording = true;

    /// <summary>Stops counting and returns the types by sampled bytes, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Stop()
    {
        _recording = false;
        lock (_bytesByType)
        {
            return [.. _bytesByType.OrderByDescending(kv => kv.Value).Select(kv => (WithDeclaringType(kv.Key), kv.Value))];
        }
    }

    /// <summary>
    /// The events name compiler-generated types (closures, state machines) without their outer type:
    /// "&lt;&gt;c__DisplayClass7_0". Looks them up in the Tidings assemblies to say whose they are.
    /// </summary>
    private static string WithDeclaringType(string typeName)
    {
        if (!typeName.StartsWith('<'))
        {
            return typeName;
        }

        var owners = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("Tidings.", StringComparison.Ordinal) == true && a.GetName().Name != "Tidings.MicroBench")
            .SelectMany(a => a.GetTypes())
            .Where(t => t.Name == typeName && t.DeclaringType is not null)
            .Select(t => t.DeclaringType!.FullName)
            .Distinct()
            .ToList();
        return owners.Count == 0 ? typeName : $"{typeName} (nested in {string.Join(" or ", owners)})";
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GCKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != GCAllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        string type = "?";
        long amount = 0;
        for (int i = 0; i < eventData.PayloadNames.Count; i++)
        {
            switch (eventData.PayloadNames[i])
            {
                case "TypeName":
                    type = eventData.Payload[i] as string ?? "?";
                    break;
                case "AllocationAmount64":
                    amount = Convert.ToInt64(eventData.Payload[i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "AllocationAmount" when amount == 0:
                    amount = Convert.ToInt64(eventData.Payload[i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
            }
        }

        lock (_bytesByType)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }
}
