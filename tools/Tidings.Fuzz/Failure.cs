namespace Tidings.Fuzz;

/// <summary>
/// What one iteration found. <see cref="Kind"/> groups repeats of one defect (it has no
/// input-specific text), <see cref="Detail"/> is the full story for the finding's note.
/// </summary>
internal sealed record Failure(string Kind, string Detail)
{
    /// <summary>A failure for an exception, grouped by its type and the first Tidings frame that threw.</summary>
    public static Failure FromException(string what, Exception exception) =>
        new($"{what}: {exception.GetType().Name} at {FirstTidingsFrame(exception)}", $"{what}:{Environment.NewLine}{exception}");

    private static string FirstTidingsFrame(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null && inner is AggregateException or System.Reflection.TargetInvocationException)
            inner = inner.InnerException;
        foreach (string line in (inner.StackTrace ?? "").Split('\n'))
        {
            string frame = line.Trim();
            if (frame.StartsWith("at Tidings.", StringComparison.Ordinal) && !frame.StartsWith("at Tidings.Fuzz.", StringComparison.Ordinal))
            {
                int paren = frame.IndexOf('(', StringComparison.Ordinal);
                return paren > 0 ? frame[3..paren] : frame[3..];
            }
        }
        return "(no Tidings frame)";
    }
}
