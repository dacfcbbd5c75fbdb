using BenchmarkDotNet.Running;
using Tidings.MicroBench;

// "alloc": the quick allocation loop (see AllocMode); anything else goes to BenchmarkDotNet
// (bench/micro.sh passes --filter and --job).
if (args.Length > 0 && args[0] == "alloc")
{
    return await AllocMode.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(AllocMode).Assembly).Run(args);
return 0;
