using System.Globalization;
using System.Text.Json;

namespace Tidings.Sqs.Sns;

/// <summary>
/// What a filter policy looks at: the message attributes or the parsed body. For a policy key path
/// it says whether the message has that key and gathers the scalars found there.
/// </summary>
internal abstract class FilterSubject
{
    /// <summary>Adds the scalars at <paramref name="path"/> to <paramref name="values"/>; false when the key is absent.</summary>
    public abstract bool Collect(IReadOnlyList<string> path, List<FilterValue> values);

    public static FilterSubject ForAttributes(IReadOnlyDictionary<string, SnsAttributeValue> attributes) =>
        new AttributeSubject(attributes);

    /// <summary>
    /// The body as a JSON object. A body that is not one has no keys at all, so only policies made of
    /// "exists": false can match it (AWS: body filtering assumes a well-formed JSON object).
    /// </summary>
    public static FilterSubject ForBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                // Cloned so the subject outlives the pooled document buffers.
                return new BodySubject(document.RootElement.Clone());
            }
        }
        catch (JsonException)
        {
        }

        return new BodySubject(default);
    }

    private sealed class AttributeSubject(IReadOnlyDictionary<string, SnsAttributeValue> attributes) : FilterSubject
    {
        public override bool Collect(IReadOnlyList<string> path, List<FilterValue> values)
        {
            // Attribute policies are flat (the parser refuses nesting), so the path is one name.
            if (path.Count != 1 || !attributes.TryGetValue(path[0], out var attribute))
            {
                return false;
            }

            var type = attribute.DataType;
            if (type.StartsWith("String.Array", StringComparison.Ordinal))
            {
                AddArrayElements(attribute.Value, values);
                return true;
            }

            if (type.StartsWith("Number", StringComparison.Ordinal))
            {
                if (double.TryParse(attribute.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    && double.IsFinite(number))
                {
                    values.Add(FilterValue.OfNumber(number));
                }

                return true;
            }

            if (type.StartsWith("String", StringComparison.Ordinal))
            {
                values.Add(FilterValue.OfString(attribute.Value));
                return true;
            }

            // AWS ignores Binary attributes when filtering: to a policy they are not there.
            return false;
        }

        private static void AddArrayElements(string json, List<FilterValue> values)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (var element in document.RootElement.EnumerateArray())
                    {
                        if (FilterValue.FromJson(element) is { } value)
                        {
                            values.Add(value);
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // A malformed array has no elements to match; the key is still present for "exists".
            }
        }
    }

    private sealed class BodySubject(JsonElement root) : FilterSubject
    {
        public override bool Collect(IReadOnlyList<string> path, List<FilterValue> values)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var before = values.Count;
            Descend(root, path, 0, values);

            // Only leaves count: a key whose value is an object, or an empty array, is not "present".
            return values.Count > before;
        }

        private static void Descend(JsonElement element, IReadOnlyList<string> path, int depth, List<FilterValue> values)
        {
            // Arrays are transparent at every level: a key matches when any element does.
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Descend(item, path, depth, values);
                }

                return;
            }

            if (depth == path.Count)
            {
                if (FilterValue.FromJson(element) is { } value)
                {
                    values.Add(value);
                }

                return;
            }

            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(path[depth], out var child))
            {
                Descend(child, path, depth + 1, values);
            }
        }
    }
}
