using System.Runtime.InteropServices;

namespace Tidings.Storage;

/// <summary>
/// fsync of a directory, which .NET has no API for: after creating, renaming or deleting a file,
/// the change to the directory entry is durable only once the directory itself is synced.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;           // O_RDONLY
    private const int Directory = 0x10000;    // O_DIRECTORY on Linux

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncHandle(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Syncs <paramref name="path"/>'s entries to disk; a no-op where directories cannot be opened.</summary>
    public static void Fsync(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(path, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"cannot open directory {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (FsyncHandle(fd) != 0) throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }
}
