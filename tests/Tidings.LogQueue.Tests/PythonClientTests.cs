using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>
/// The Python package (clients/python) installed with pip into a fresh virtual environment, as a
/// user would, and its own unittest suite run against a broker. Never skipped: no python3, venv
/// or pip is a failure naming tests/interop/install-tools.sh.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class PythonClientTests
{
    private static string PackageDirectory => Path.GetFullPath(Path.Combine(ExternalProcess.InteropDirectory, "..", "..", "clients", "python"));

    [Fact]
    public async Task The_python_package_installs_with_pip_and_its_own_tests_pass_against_the_broker()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var work = new TempDirectory();
        // A copy, so pip's build leaves nothing in the repository.
        string source = Path.Combine(work.Path, "src");
        CopyDirectory(PackageDirectory, source);
        string venv = Path.Combine(work.Path, "venv");
        // --system-site-packages: Debian's setuptools builds the package without reaching an index.
        var created = await ExternalProcess.RunAsync(ExternalProcess.DebianPython, ["-m", "venv", "--system-site-packages", venv], work.Path);
        Assert.True(created.ExitCode == 0, "python3 -m venv failed (install python3-venv: tests/interop/install-tools.sh)\n" + created.Describe());
        var installed = await ExternalProcess.RunAsync(Path.Combine(venv, "bin", "pip"),
            ["install", "--no-index", "--no-build-isolation", "--quiet", source], work.Path, timeout: TimeSpan.FromSeconds(120));
        Assert.True(installed.ExitCode == 0, installed.Describe());

        // Run from the tests folder alone, so the import can only find the installed package.
        var run = await ExternalProcess.RunAsync(Path.Combine(venv, "bin", "python"), ["-m", "unittest", "discover", "-v", "-s", Path.Combine(source, "tests")],
            work.Path, new Dictionary<string, string> { ["TIDINGS_LOGQUEUE_URL"] = new Uri(server.BaseAddress, "logqueue").ToString() },
            timeout: TimeSpan.FromSeconds(120));

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("Ran 6 tests", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("OK", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_python_tests_fail_instead_of_skipping_without_a_broker_url()
    {
        var run = await ExternalProcess.RunAsync(ExternalProcess.DebianPython, ["-m", "unittest", "discover", "-s", "tests"], PackageDirectory,
            new Dictionary<string, string> { ["PYTHONPATH"] = PackageDirectory });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("TIDINGS_LOGQUEUE_URL", run.StdErr, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(folder);
            if (name is "build" or "__pycache__" || name.EndsWith(".egg-info", StringComparison.Ordinal)) continue;
            CopyDirectory(folder, Path.Combine(to, name));
        }
    }
}
