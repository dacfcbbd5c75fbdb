namespace Tidings.Connections.Tls;

/// <summary>The configured certificate or key cannot be used; the message names the setting and the file.</summary>
public sealed class TlsCertificateException(string message, Exception? inner = null) : Exception(message, inner);
