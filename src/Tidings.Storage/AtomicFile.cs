namespace Tidings.Storage;

/// <summary>
/// A small state file replaced as a whole: written beside as <c>&lt;name&gt;.tmp</c>, fsynced,
/// renamed over the old one and the folder fsynced, so a crash leaves the old file or the new one,
/// never half of one. Definitions, MQTT sessions and the SQS and SNS catalogs are kept this way.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>, creating its folder; durable on return when <paramref name="fsync"/>.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, bool fsync = true)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = TempOf(path);
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            if (fsync) file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        // The rename is durable only once the folder's entry is.
        if (fsync) DirectorySync.Fsync(directory);
    }

    /// <summary>Removes a replacement a crash left before its rename; nothing to do when the folder does not exist yet.</summary>
    public static void DropUnfinished(string path)
    {
        string temp = TempOf(path);
        if (File.Exists(temp)) File.Delete(temp);
    }

    private static string TempOf(string path) => path + ".tmp";
}
