namespace Tidings.Amqp.Codegen;

/// <summary>Locates the repository root and the generator's input and output from any directory inside it.</summary>
public static class RepositoryRoot
{
    /// <summary>The first directory at or above <paramref name="start"/> holding Tidings.slnx, or null.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tidings.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>The codegen JSON for the repository at <paramref name="root"/>.</summary>
    public static string JsonPath(string root) => Path.GetFullPath(Path.Combine(root, MethodsGenerator.DefaultJsonPath));

    /// <summary>The checked-in generated file for the repository at <paramref name="root"/>.</summary>
    public static string OutputPath(string root) => Path.GetFullPath(Path.Combine(root, MethodsGenerator.DefaultOutputPath));

    /// <summary>The text with CRLF turned into LF, so a checkout with autocrlf still compares equal.</summary>
    public static string NormalizeNewlines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
