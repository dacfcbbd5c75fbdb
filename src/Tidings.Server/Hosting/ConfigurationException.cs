namespace Tidings.Server.Hosting;

/// <summary>The configuration (file, environment or flags) holds a value the server cannot start with.</summary>
public sealed class ConfigurationException(string message, Exception? innerException = null) : Exception(message, innerException);
