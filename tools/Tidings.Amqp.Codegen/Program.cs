using Tidings.Amqp.Codegen;

// Usage: dotnet run --project tools/Tidings.Amqp.Codegen [-- [json-path] [output-path] [--check]]
// Paths given on the command line are relative to the current directory; the defaults are
// relative to the repository root (found by walking up to Tidings.slnx).
// --check writes nothing and exits with 1 when the output file is not up to date.

bool check = args.Contains("--check");
var positional = args.Where(a => a != "--check").ToArray();
if (positional.Length > 2 || positional.Any(a => a.StartsWith('-')))
{
    Console.Error.WriteLine("usage: Tidings.Amqp.Codegen [json-path] [output-path] [--check]");
    return 2;
}

string root = RepositoryRoot.Find(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory();
string jsonPath = positional.Length > 0 ? Path.GetFullPath(positional[0]) : RepositoryRoot.JsonPath(root);
string outputPath = positional.Length > 1 ? Path.GetFullPath(positional[1]) : RepositoryRoot.OutputPath(root);

if (!File.Exists(jsonPath))
{
    Console.Error.WriteLine($"codegen JSON not found: {jsonPath}");
    return 2;
}

string generated = MethodsGenerator.Generate(File.ReadAllText(jsonPath));

if (check)
{
    string existing = File.Exists(outputPath) ? File.ReadAllText(outputPath) : string.Empty;
    if (RepositoryRoot.NormalizeNewlines(existing) != generated)
    {
        Console.Error.WriteLine($"{outputPath} is out of date; run: dotnet run --project tools/Tidings.Amqp.Codegen");
        return 1;
    }

    Console.WriteLine($"{outputPath} is up to date.");
    return 0;
}

Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
File.WriteAllText(outputPath, generated);
Console.WriteLine($"wrote {outputPath} from {jsonPath}");
return 0;
