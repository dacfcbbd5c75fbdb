using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Tidings.Testing;

/// <summary>What a finished external process left behind.</summary>
public sealed record ProcessResult(int ExitCode, byte[] StdOutBytes, string StdErr, string CommandLine)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);

    /// <summary>Command, exit code and both streams, for assertion messages.</summary>
    public string Describe() =>
        $"`{CommandLine}` exited {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// A third-party client (pika, celery, amqp-tools, amqplib, and the MQTT and SQS tools) run as a child process. Every run is
/// bounded: a process still alive at its deadline is killed with its whole tree and the test fails,
/// so a client that hangs on a broker bug can never hang the suite.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    /// <summary>Debian's interpreter: it sees python3-pika and python3-celery, a pyenv python3 on PATH does not.</summary>
    public const string DebianPython = "/usr/bin/python3";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private const string InstallHint = "run tests/interop/install-tools.sh to install the interop clients";

    // The child; owned by this object, killed by StopAsync/DisposeAsync if still running.
    private readonly Process _process;
    // Raw stdout, filled by _stdoutPump only; read under its own lock.
    private readonly MemoryStream _stdout = new();
    // Stderr lines as they arrive, appended by the ErrorDataReceived handler; read under its own lock.
    private readonly StringBuilder _stderr = new();
    // Copies stdout into _stdout until the child closes it.
    private readonly Task _stdoutPump;
    // Completes when the child has exited and both streams are drained.
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExternalProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { _stderrClosed.TrySetResult(); return; }
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
        _stdoutPump = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            var stream = _process.StandardOutput.BaseStream;
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
                lock (_stdout) _stdout.Write(buffer, 0, n);
        });
    }

    public string CommandLine { get; }

    public string StdOut { get { lock (_stdout) return Encoding.UTF8.GetString(_stdout.ToArray()); } }

    public string StdErr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The folder tests/interop of this repository, found by walking up from the test binaries.</summary>
    public static string InteropDirectory { get; } = FindInteropDirectory();

    public static string PythonDirectory => Path.Combine(InteropDirectory, "python");

    public static string NodeDirectory => Path.Combine(InteropDirectory, "node");

    /// <summary>Starts a long-running child (e.g. a celery worker); stop it with <see cref="StopAsync"/>.</summary>
    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, byte[]? stdin = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? InteropDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // Python writes no .pyc into the repository and flushes each print at once.
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment.Remove("PYTHONPATH");
        info.Environment.Remove("PYTHONHOME");
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;

        string commandLine = string.Join(' ', info.ArgumentList.Prepend(fileName));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"`{commandLine}` could not start ({e.Message}): {InstallHint}");
        }
        var child = new ExternalProcess(process, commandLine);
        if (stdin is not null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        return child;
    }

    /// <summary>Runs a child to completion within <paramref name="timeout"/> (default 60 s); fails the test if it does not exit in time.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null, byte[]? stdin = null)
    {
        await using var child = Start(fileName, arguments, workingDirectory, environment, stdin);
        var limit = timeout ?? DefaultTimeout;
        if (!await child.WaitForExitAsync(limit))
        {
            await child.StopAsync();
            throw new Xunit.Sdk.XunitException(
                $"`{child.CommandLine}` did not exit within {limit.TotalSeconds} s and was killed\n" +
                $"--- stdout ---\n{child.StdOut}\n--- stderr ---\n{child.StdErr}");
        }
        return child.Result();
    }

    /// <summary>Runs <see cref="DebianPython"/> on a script of tests/interop/python.</summary>
    public static Task<ProcessResult> RunPythonAsync(string script, params string[] arguments) =>
        RunAsync(DebianPython, arguments.Prepend(Path.Combine(PythonDirectory, script)), PythonDirectory);

    /// <summary>Runs node on a script of tests/interop/node.</summary>
    public static Task<ProcessResult> RunNodeAsync(string script, params string[] arguments) =>
        RunAsync("node", arguments.Prepend(Path.Combine(NodeDirectory, script)), NodeDirectory);

    /// <summary>
    /// Fails the test, naming the install script, unless <paramref name="fileName"/> runs and exits 0
    /// with <paramref name="arguments"/>. Interop tests never skip: a missing client is a failure.
    /// </summary>
    public static async Task RequireAsync(string what, string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var result = await RunAsync(fileName, arguments, workingDirectory, timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{what} is not installed: {InstallHint}\n{result.Describe()}");
    }

    public static Task RequirePythonModulesAsync(params string[] modules) =>
        RequireAsync($"Python modules {string.Join(", ", modules)} for {DebianPython}", DebianPython,
            ["-c", "import " + string.Join(", ", modules)]);

    public static Task RequireNodeModuleAsync(string module) =>
        RequireAsync($"the npm package {module}", "node", ["-e", $"require('{module}')"], NodeDirectory);

    /// <summary>True when the child exited within <paramref name="timeout"/> and its streams are drained.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            // Bounded too: a grandchild that inherited the pipes could keep them open.
            await Task.WhenAll(_stdoutPump, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Waits until stdout or stderr contains <paramref name="text"/>; false if the child exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (StdOut.Contains(text, StringComparison.Ordinal) || StdErr.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return false;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>Kills the child and its descendants if still running, and waits (bounded) for it to go.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public ProcessResult Result()
    {
        byte[] stdout;
        lock (_stdout) stdout = _stdout.ToArray();
        return new ProcessResult(_process.ExitCode, stdout, StdErr, CommandLine);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static string FindInteropDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "interop");
            if (File.Exists(Path.Combine(candidate, "install-tools.sh"))) return candidate;
        }
        throw new InvalidOperationException($"tests/interop not found above {AppContext.BaseDirectory}");
    }
}
