namespace Tidings.Server.Cli;

/// <summary>The management API refused a request or answered something unexpected; the message is one line.</summary>
internal sealed class ManagementApiException(string message) : Exception(message);
