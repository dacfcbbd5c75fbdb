using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;

namespace Tidings.Http.Dashboard;

/// <summary>
/// The dashboard's files, read once from the assembly's embedded resources (logical names
/// "Tidings.Http.Dashboard/{path below wwwroot}", see Tidings.Http.csproj).
///
/// Assets are served under "dashboard/{version}/", where the version is a hash of all of them, so
/// browsers may cache them for a year: a new build changes the version and index.html (never
/// cached without revalidation) points at the new folder. index.html names the folder with the
/// placeholder {{assets}}; the comment &lt;!--{{modulepreload}}--&gt; becomes one modulepreload link
/// per JavaScript module, so the browser fetches all modules at once instead of import by import.
/// </summary>
internal sealed class DashboardAssets
{
    public const string ResourcePrefix = "Tidings.Http.Dashboard/";
    public const string AssetsFolder = "dashboard";
    private const string IndexPath = "index.html";

    private DashboardAssets(string version, DashboardAsset index, Dictionary<string, DashboardAsset> files)
    {
        Version = version;
        Index = index;
        Files = files;
    }

    /// <summary>Hash of every asset; the versioned folder's name.</summary>
    public string Version { get; }

    /// <summary>index.html with the asset folder filled in.</summary>
    public DashboardAsset Index { get; }

    /// <summary>Every other file by its path below wwwroot ("js/app.js").</summary>
    public IReadOnlyDictionary<string, DashboardAsset> Files { get; }

    /// <summary>The URL path prefix of the current assets, relative to the page: "dashboard/{version}".</summary>
    public string AssetsBase => $"{AssetsFolder}/{Version}";

    public static DashboardAssets Load(Assembly assembly)
    {
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        byte[]? indexTemplate = null;
        foreach (string resource in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            // MSBuild's RecursiveDir uses the OS separator; URLs want '/'.
            string name = resource.Replace('\\', '/');
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            string path = name[ResourcePrefix.Length..];
            byte[] content = Read(assembly, resource);
            if (path == IndexPath)
            {
                indexTemplate = content;
                continue;
            }
            files[path] = DashboardAsset.Create(path, ContentTypeOf(types, path), content);
        }
        if (indexTemplate is null)
            throw new InvalidOperationException($"The dashboard's {IndexPath} is not embedded in {assembly.GetName().Name}.");

        string version = VersionOf(files.Values);
        string assetsBase = $"{AssetsFolder}/{version}";
        var preload = new StringBuilder();
        foreach (var file in files.Values.Where(f => f.Path.EndsWith(".js", StringComparison.Ordinal)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (preload.Length > 0) preload.Append("\n  ");
            preload.Append("<link rel=\"modulepreload\" href=\"").Append(assetsBase).Append('/').Append(file.Path).Append("\">");
        }
        string html = Encoding.UTF8.GetString(indexTemplate)
            .Replace("<!--{{modulepreload}}-->", preload.ToString(), StringComparison.Ordinal)
            .Replace("{{assets}}", assetsBase, StringComparison.Ordinal);
        var index = DashboardAsset.Create(IndexPath, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));
        return new DashboardAssets(version, index, files);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} cannot be opened.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string ContentTypeOf(FileExtensionContentTypeProvider types, string path)
    {
        if (!types.TryGetContentType(path, out string? type)) type = "application/octet-stream";
        bool text = type.StartsWith("text/", StringComparison.Ordinal) || type is "application/json" or "image/svg+xml";
        return text ? type + "; charset=utf-8" : type;
    }

    private static string VersionOf(IEnumerable<DashboardAsset> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file.Path));
            hash.AppendData([0]);
            hash.AppendData(Encoding.ASCII.GetBytes(file.Hash));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
