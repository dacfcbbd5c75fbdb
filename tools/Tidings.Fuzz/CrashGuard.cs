namespace Tidings.Fuzz;

/// <summary>
/// Records the input in flight so that an exception no one catches, on any thread, still
/// leaves a finding behind: the process is about to die, so the input is written from the
/// handler itself. Unobserved task exceptions do not kill the process; they are collected and
/// the runner turns them into findings of the iteration that is running.
/// </summary>
internal static class CrashGuard
{
    private static readonly Lock Gate = new();
    /// <summary>The target and input of the iteration running now; written by the runner's loop.</summary>
    private static (string Target, byte[] Input, FindingStore Store)? _current;
    /// <summary>Unobserved task exceptions since the last <see cref="TakeUnobserved"/>.</summary>
    private static readonly List<Exception> Unobserved = [];
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            (string Target, byte[] Input, FindingStore Store)? current;
            lock (Gate) current = _current;
            if (current is not { } c) return;
            var failure = e.ExceptionObject is Exception ex
                ? Failure.FromException("unhandled exception on a thread (the process dies)", ex)
                : new Failure("unhandled exception on a thread", e.ExceptionObject?.ToString() ?? "");
            var finding = new Finding(c.Target, failure, c.Input, -1);
            c.Store.Save(finding);
            Console.Error.WriteLine($"FATAL {finding}{Environment.NewLine}{failure.Detail}");
        };
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            lock (Gate) Unobserved.Add(e.Exception);
            e.SetObserved();
        };
    }

    public static void Enter(string target, byte[] input, FindingStore store)
    {
        lock (Gate) _current = (target, input, store);
    }

    public static void Leave()
    {
        lock (Gate) _current = null;
    }

    public static Exception? TakeUnobserved()
    {
        lock (Gate)
        {
            if (Unobserved.Count == 0) return null;
            var first = Unobserved[0];
            Unobserved.Clear();
            return first;
        }
    }
}
