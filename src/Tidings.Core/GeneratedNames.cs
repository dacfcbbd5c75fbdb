using System.Security.Cryptography;

namespace Tidings.Core;

/// <summary>Server-generated names as RabbitMQ makes them: a prefix and 128 random bits, URL-safe base64.</summary>
public static class GeneratedNames
{
    /// <summary>e.g. <c>New("amq.gen-")</c> → "amq.gen-JzTY20BRgKO-HjmUJj0wLg".</summary>
    public static string New(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
