namespace Tidings.Examples.SqsPractical;

/// <summary>What one queue delivered, measured against what the publishers meant to send.</summary>
public sealed record DeliverySummary(string Queue, int Received, int Duplicates, int Missing, IReadOnlyDictionary<string, bool> OrderKept)
{
    /// <param name="clients">The publishers, each of which sent "message 1".."message <paramref name="count"/>".</param>
    public static DeliverySummary From(string queue, IReadOnlyList<ReceivedMessage> received, IReadOnlyCollection<string> clients, int count)
    {
        int distinct = received.Select(m => (m.Client, m.Number)).Distinct().Count();
        int sentAndArrived = received.Where(m => clients.Contains(m.Client) && m.Number >= 1 && m.Number <= count)
            .Select(m => (m.Client, m.Number)).Distinct().Count();
        var orderKept = clients.ToDictionary(c => c, c => FirstDeliveriesInOrder(received.Where(m => m.Client == c).Select(m => m.Number)));
        return new DeliverySummary(queue, received.Count, received.Count - distinct, clients.Count * count - sentAndArrived, orderKept);
    }

    /// <summary>
    /// Whether each message's first delivery came after the previous message's: repeats are counted
    /// as duplicates, not as disorder. A standard queue only tries to keep order; FIFO promises it.
    /// </summary>
    private static bool FirstDeliveriesInOrder(IEnumerable<int> numbers)
    {
        var seen = new HashSet<int>();
        int last = 0;
        foreach (int number in numbers)
        {
            if (!seen.Add(number)) continue;
            if (number < last) return false;
            last = number;
        }
        return true;
    }

    public override string ToString() =>
        $"{Queue}: {Received} received, {Duplicates} duplicates, {Missing} missing; send order kept: " +
        string.Join(", ", OrderKept.Select(o => $"{o.Key} {(o.Value ? "yes" : "no")}"));
}
