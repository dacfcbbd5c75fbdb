namespace Tidings.Sqs.Queues;

/// <summary>
/// FIFO ReceiveRequestAttemptId: a retried ReceiveMessage with the same attempt id within five
/// minutes gets the same answer (same messages, same receipt handles), as AWS promises for a
/// retry after a network failure. The answer bytes are kept per protocol, since the retry may
/// come from the same client only.
/// </summary>
public sealed class ReceiveAttempts(TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private const int MaxKept = 1000;

    private readonly Dictionary<string, (ReadOnlyMemory<byte> Answer, long ExpiresAtMs)> _answers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ReadOnlyMemory<byte>? Find(string key)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (!_answers.TryGetValue(key, out var kept)) return null;
            if (kept.ExpiresAtMs > now) return kept.Answer;
            _answers.Remove(key);
            return null;
        }
    }

    public void Remember(string key, ReadOnlyMemory<byte> answer)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (_answers.Count >= MaxKept)
            {
                foreach (var (k, v) in _answers.ToList())
                    if (v.ExpiresAtMs <= now) _answers.Remove(k);
                // Still full: the oldest retry guarantees go first.
                if (_answers.Count >= MaxKept) _answers.Remove(_answers.MinBy(p => p.Value.ExpiresAtMs).Key);
            }
            _answers[key] = (answer.ToArray(), now + (long)Window.TotalMilliseconds);
        }
    }
}
