using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Tidings.Server.Tests;

/// <summary>
/// The built <c>tidings</c> executable running as a child process (<c>dotnet tidings.dll …</c>),
/// with its log lines collected so tests can wait for them. Kills the process on dispose if it is still running.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private const int Sigterm = 15;

    // The child `dotnet tidings.dll` process; owned, killed on dispose if still running.
    private readonly Process _process;
    // Every stdout and stderr line so far, for waiting and for failure messages; guarded by _lock.
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    // Completed with the first line that satisfies the current wait; replaced per wait; guarded by _lock.
    private (Func<string, bool> Match, TaskCompletionSource<string> Found)? _waiter;
    // Whether lines are JSON objects whose "Message" is what waits match against.
    private readonly bool _jsonLogs;

    private ServerProcess(Process process, bool jsonLogs)
    {
        _process = process;
        _jsonLogs = jsonLogs;
    }

    public static ServerProcess Start(string workingDirectory, params string[] args)
    {
        var tidings = Path.Combine(AppContext.BaseDirectory, "tidings.dll");
        Assert.True(File.Exists(tidings), $"{tidings} is missing; the test project references Tidings.Server so it should be copied here");

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(tidings);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The child must see only what the test says, not TIDINGS__ settings of whoever runs the tests.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("TIDINGS__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, args.Contains("json"));
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public int Id => _process.Id;

    /// <summary>Waits for a log line whose message (the "Message" field in JSON format) contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForMessageAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource<string> found = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var existing = _lines.Select(MessageOf).FirstOrDefault(m => m.Contains(text, StringComparison.Ordinal));
            if (existing is not null)
            {
                return existing;
            }
            _waiter = (line => MessageOf(line).Contains(text, StringComparison.Ordinal), found);
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no log line containing '{text}' within {timeout}; output so far:\n{Output}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process did not exit within {timeout}; output so far:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>What Ctrl+C's sibling, a service manager or `docker stop`, sends.</summary>
    public void SendSigterm()
    {
        if (Kill(_process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush or clean up (a crash, `kill -9`).</summary>
    /// <remarks>Safe to call from a timer while the test also kills or disposes: later calls do nothing.</remarks>
    public void KillHard()
    {
        lock (_killLock)
        {
            if (_disposed || _process.HasExited) return;
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>Serialises KillHard and Dispose, which tests call from different threads.</summary>
    private readonly Lock _killLock = new();
    private bool _disposed;

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Lines as the test reads them: the message alone for JSON logs, else the whole line.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines.Select(MessageOf)];
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public void Dispose()
    {
        lock (_killLock)
        {
            if (_disposed) return;
            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            _lines.Add(line);
            if (_waiter is var (match, found) && match(line))
            {
                _waiter = null;
                found.TrySetResult(MessageOf(line));
            }
        }
    }

    private string MessageOf(string line)
    {
        if (!_jsonLogs || !line.StartsWith('{'))
        {
            return line;
        }
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("Message").GetString() ?? "";
    }

    // `dotnet test` tells test processes which dotnet it runs; fall back to the one on PATH.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    // DllImport rather than LibraryImport: the generated marshalling would need unsafe code, and ints need none.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
