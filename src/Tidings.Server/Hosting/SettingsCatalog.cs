using System.Collections;
using System.Globalization;
using System.Reflection;
using Tidings.Core;

namespace Tidings.Server.Hosting;

/// <summary>
/// Which options classes are bound from the "Tidings" section and under which prefix. The
/// unknown-key check and the help text both read it, so a property added to one of these classes
/// is accepted and documented without touching the server.
/// </summary>
internal static class SettingsCatalog
{
    /// <summary>Every options class bound from configuration with the key prefix it binds from.</summary>
    public static IEnumerable<(string Prefix, Type Type)> Owners(IReadOnlyList<ListenerDefinition> listeners)
    {
        yield return (TidingsServerOptions.SectionName, typeof(TidingsServerOptions));
        yield return (TidingsServerOptions.SectionName, typeof(BrokerOptions));
        foreach (var listener in listeners)
        {
            if (listener.Settings is { } settings)
            {
                yield return (listener.ConfigKey, settings.Type);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="key"/> ("Tidings:Http:Port", "Tidings:LoopbackUsers:0") names a property
    /// of one of the <paramref name="owners"/>. Matching is case-insensitive, as configuration keys are.
    /// </summary>
    public static bool IsKnown(string key, IEnumerable<(string Prefix, Type Type)> owners)
    {
        var segments = key.Split(':');
        foreach (var (prefix, type) in owners)
        {
            var prefixSegments = prefix.Split(':');
            if (segments.Length > prefixSegments.Length
                && segments.Take(prefixSegments.Length).SequenceEqual(prefixSegments, StringComparer.OrdinalIgnoreCase)
                && Resolves(type, segments.Skip(prefixSegments.Length)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The settings of <paramref name="type"/> one by one, nested classes flattened, with their defaults.</summary>
    public static IEnumerable<Setting> Leaves(string prefix, Type type) => Leaves(prefix, type, Activator.CreateInstance(type)!);

    /// <param name="defaults">
    /// The instance holding the defaults: a nested class's come from its owner's initializer
    /// (Amqps = new() { Enabled = false, ... }), not from the nested class's own.
    /// </param>
    private static IEnumerable<Setting> Leaves(string prefix, Type type, object defaults)
    {
        foreach (var property in Properties(type))
        {
            var key = $"{prefix}:{property.Name}";
            if (IsLeaf(property.PropertyType))
            {
                yield return new Setting(key, property, property.GetValue(defaults));
            }
            else
            {
                foreach (var nested in Leaves(key, property.PropertyType, property.GetValue(defaults) ?? Activator.CreateInstance(property.PropertyType)!))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Values the binder sets directly; anything else is a class whose properties are settings.</summary>
    public static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(TimeSpan) || type == typeof(Uri) || Nullable.GetUnderlyingType(type) is not null
        || typeof(IEnumerable).IsAssignableFrom(type);

    public static bool IsList(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static bool Resolves(Type type, IEnumerable<string> segments)
    {
        foreach (var segment in segments)
        {
            if (IsLeaf(type))
            {
                return IsList(type); // list indexes and dictionary keys go below; nothing goes below a plain value
            }
            var property = Properties(type).FirstOrDefault(p => p.Name.Equals(segment, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return false;
            }
            type = property.PropertyType;
        }
        return true;
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite);

    /// <summary>One setting: its full key, the property it binds to and its built-in default.</summary>
    public sealed record Setting(string Key, PropertyInfo Property, object? Default)
    {
        public string DefaultText => Default switch
        {
            null => "(none)",
            string text => text,
            bool flag => flag ? "true" : "false",
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(i => Convert.ToString(i, CultureInfo.InvariantCulture))) + "]",
            IFormattable value => value.ToString(null, CultureInfo.InvariantCulture),
            _ => Default.ToString() ?? "",
        };
    }
}
