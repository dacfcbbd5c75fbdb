using System.Globalization;

namespace Tidings.Examples.SqsPractical;

/// <summary>The bodies the practical sends, "message 1" to "message 100", and reading the number back.</summary>
public static class NumberedMessage
{
    private const string Prefix = "message ";

    public static string Body(int number) => Prefix + number.ToString(CultureInfo.InvariantCulture);

    public static int? NumberOf(string body) =>
        body.StartsWith(Prefix, StringComparison.Ordinal) &&
        int.TryParse(body.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : null;
}
