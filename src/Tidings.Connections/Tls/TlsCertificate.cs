using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tidings.Connections.Tls;

/// <summary>The server certificate with its private key, and the intermediates sent after it, read from PEM files.</summary>
public sealed class TlsCertificate
{
    private TlsCertificate(X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        Certificate = certificate;
        Chain = chain;
    }

    /// <summary>The leaf certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificates after the first one in the certificate file (may be empty).</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>
    /// Reads <see cref="TlsOptions.CertificateFile"/> and <see cref="TlsOptions.KeyFile"/>. Every
    /// problem (setting missing, file missing, not PEM, key not matching) is a
    /// <see cref="TlsCertificateException"/> naming the setting and the file, so a server
    /// fails at start-up with a message an operator can act on, not at the first handshake.
    /// </summary>
    /// <param name="options">The configured files.</param>
    /// <param name="section">Configuration key prefix named in messages.</param>
    /// <param name="baseDirectory">Relative paths are resolved against it.</param>
    public static TlsCertificate Load(TlsOptions options, string section, string baseDirectory)
    {
        string certificateFile = Resolve(options.CertificateFile, $"{section}:{nameof(TlsOptions.CertificateFile)}", "certificate", baseDirectory);
        string keyFile = Resolve(options.KeyFile, $"{section}:{nameof(TlsOptions.KeyFile)}", "private key", baseDirectory);
        try
        {
            using var fromPem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            if (fromPem.NotAfter < DateTime.Now)
                throw new TlsCertificateException($"the certificate in '{certificateFile}' expired on {fromPem.NotAfter:yyyy-MM-dd}");
            // Re-imported: on Windows SslStream cannot use the ephemeral key CreateFromPemFile
            // makes; elsewhere this costs one copy at start-up.
            var certificate = X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(certificateFile);
            var chain = new X509Certificate2Collection();
            for (int i = 1; i < all.Count; i++) chain.Add(all[i]);
            all[0].Dispose();
            return new TlsCertificate(certificate, chain);
        }
        catch (CryptographicException e)
        {
            throw new TlsCertificateException(
                $"cannot use certificate '{certificateFile}' with key '{keyFile}' ({section}): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsCertificateException($"cannot read the TLS files of {section}: {e.Message}", e);
        }
    }

    private static string Resolve(string? file, string key, string what, string baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(file))
            throw new TlsCertificateException($"{key} must name a PEM {what} file: a listener has Tls on");
        string path = Path.GetFullPath(file, baseDirectory);
        if (!File.Exists(path))
            throw new TlsCertificateException($"{key}: the {what} file '{path}' does not exist");
        return path;
    }
}
