using System.IO.Compression;
using System.Security.Cryptography;

namespace Tidings.Http.Dashboard;

/// <summary>
/// One static file of the dashboard, held in memory with its content type, a strong ETag and
/// Brotli/gzip copies when compressing pays off. Immutable once built.
/// </summary>
internal sealed class DashboardAsset
{
    /// <summary>Below this size compression is not worth a Vary header and a decode.</summary>
    private const int MinCompressBytes = 512;

    private DashboardAsset(string path, string contentType, byte[] content)
    {
        Path = path;
        ContentType = contentType;
        Content = content;
        Hash = Convert.ToHexStringLower(SHA256.HashData(content))[..20];
        if (IsCompressible(contentType) && content.Length >= MinCompressBytes)
        {
            Brotli = SmallerOrNull(Compress(content, s => new BrotliStream(s, CompressionLevel.SmallestSize)), content);
            Gzip = SmallerOrNull(Compress(content, s => new GZipStream(s, CompressionLevel.SmallestSize)), content);
        }
    }

    /// <summary>The path below wwwroot, with '/' separators: "js/app.js".</summary>
    public string Path { get; }

    /// <summary>The Content-Type header value, with charset=utf-8 for text.</summary>
    public string ContentType { get; }

    /// <summary>The file's bytes.</summary>
    public byte[] Content { get; }

    /// <summary>The Brotli-compressed bytes, or null when not smaller.</summary>
    public byte[]? Brotli { get; }

    /// <summary>The gzip-compressed bytes, or null when not smaller.</summary>
    public byte[]? Gzip { get; }

    /// <summary>Hex prefix of the SHA-256 of the content; identifies this version of the file.</summary>
    public string Hash { get; }

    /// <summary>True when a compressed copy exists, so responses vary by Accept-Encoding.</summary>
    public bool HasEncodings => Brotli is not null || Gzip is not null;

    public static DashboardAsset Create(string path, string contentType, byte[] content) => new(path, contentType, content);

    private static bool IsCompressible(string contentType) =>
        contentType.StartsWith("text/", StringComparison.Ordinal)
        || contentType.StartsWith("application/json", StringComparison.Ordinal)
        || contentType.StartsWith("image/svg+xml", StringComparison.Ordinal);

    private static byte[] Compress(byte[] content, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var compressor = wrap(output)) compressor.Write(content);
        return output.ToArray();
    }

    private static byte[]? SmallerOrNull(byte[] compressed, byte[] content) =>
        compressed.Length < content.Length * 9 / 10 ? compressed : null;
}
