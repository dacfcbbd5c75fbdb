using System.ComponentModel;
using System.Diagnostics;

namespace Tidings.Http.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: tests/browser/dashboard.spec.mjs drives headless Chromium
/// (Debian's /usr/bin/chromium, through npm's playwright-core) against a broker started here.
/// Missing tools fail the test with the command that installs them; the test never skips.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string InstallHint = "run tests/interop/install-tools.sh (installs Debian's chromium and the npm packages of tests/browser)";

    /// <summary>The whole script takes about half a minute; a hung browser is killed at this deadline.</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    /// <summary>A queue name that is markup: the page must show it as text.</summary>
    private const string HostileQueue = "<img src=x onerror=window.__xss=1>&amp;";

    [Fact]
    public async Task Dashboard_in_chromium_logs_in_follows_a_queue_and_publishes_gets_purges_and_deletes()
    {
        string browserDirectory = Path.Combine(RepositoryRoot(), "tests", "browser");
        RequireTools(browserDirectory);
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("dashboard-test");
        server.Broker.DefaultVirtualHost.DeclareQueue(HostileQueue);
        DeclareStream(server.Broker.DefaultVirtualHost, "dashboard-stream");
        string screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard", "queue.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);

        var (exitCode, output) = await RunNodeAsync(browserDirectory, "dashboard.spec.mjs", new Dictionary<string, string>
        {
            ["TIDINGS_URL"] = server.BaseAddress.ToString(),
            ["DASHBOARD_SCREENSHOT"] = screenshot,
            ["DASHBOARD_QUEUE"] = "dashboard-test",
            ["DASHBOARD_HOSTILE_QUEUE"] = HostileQueue,
            ["DASHBOARD_STREAM"] = "dashboard-stream",
            ["CHROMIUM"] = Chromium,
        });

        Assert.True(exitCode == 0, $"dashboard.spec.mjs exited {exitCode}\n{output}");
        Assert.True(File.Exists(screenshot), $"no screenshot at {screenshot}\n{output}");
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is suspiciously small");
    }

    /// <summary>The stream the script expects: 3 messages, x-max-age 7D, the position "billing" at offset 1.</summary>
    private static void DeclareStream(Core.VirtualHost vhost, string name)
    {
        vhost.DeclareQueue(name, durable: true, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream", ["x-max-age"] = "7D" });
        for (int i = 0; i < 3; i++) vhost.Publish("", name, new Core.Messages.MessageProperties(), "line"u8.ToArray());
        ((Core.Queues.StreamQueue)vhost.FindQueue(name)!).StorePosition("billing", 1);
    }

    private static void RequireTools(string browserDirectory)
    {
        if (!File.Exists(Chromium)) Assert.Fail($"{Chromium} is missing: {InstallHint}");
        if (!File.Exists(Path.Combine(browserDirectory, "node_modules", "playwright-core", "package.json")))
            Assert.Fail($"tests/browser/node_modules/playwright-core is missing: {InstallHint}");
    }

    /// <summary>Runs node with a deadline; on timeout the whole process tree (node and Chromium) is killed.</summary>
    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string directory, string script, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"node cannot be started ({e.Message}): {InstallHint}");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(ScriptTimeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Assert.Fail($"dashboard.spec.mjs did not finish within {ScriptTimeout}; killed.\n{await stdout}\n{await stderr}");
            }
            return (process.ExitCode, $"--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}");
        }
    }

    /// <summary>The folder holding Tidings.slnx, found by walking up from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tidings.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Tidings.slnx above {AppContext.BaseDirectory}");
    }
}
