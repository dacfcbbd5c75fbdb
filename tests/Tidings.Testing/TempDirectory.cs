namespace Tidings.Testing;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <param name="prefix">Starts the directory's name, so a leftover one says which tests made it.</param>
    public TempDirectory(string prefix = "tidings-tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string Combine(params string[] names) => System.IO.Path.Combine([Path, .. names]);

    /// <summary>Writes a text file inside the directory and returns its path.</summary>
    public string WriteFile(string name, string contents)
    {
        string path = Combine(name);
        File.WriteAllText(path, contents);
        return path;
    }

    public override string ToString() => Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process or a store may still be letting go of a file; the OS cleans temp eventually.
        }
        catch (UnauthorizedAccessException)
        {
            // A test made part of it read-only on purpose (disk-full and permission tests).
        }
    }
}
