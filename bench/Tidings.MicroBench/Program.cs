using BenchmarkDotNet.Running;

namespace Tidings.MicroBench;

/// <summary>
/// "alloc": the quick allocation loop (see <see cref="AllocMode"/>); anything else goes to
/// BenchmarkDotNet (bench/micro.sh passes --filter and --job).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "alloc") return await AllocMode.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(AllocMode).Assembly).Run(args);
        return 0;
    }
}
