namespace Tidings.Sqs.Protocol;

/// <summary>
/// Writes an action's result in either wire protocol; actions write members by model name and
/// the protocol decides the shape. JSON nests lists and maps; Query's XML flattens them: a list
/// is its items repeated under the item name, a map is entries with a key and a value element.
/// </summary>
public abstract class SqsOutput
{
    public abstract void String(string name, string value);

    public abstract void Bool(string name, bool value);

    /// <summary>A number member (JSON number; XML text).</summary>
    public abstract void Number(string name, long value);

    /// <summary>Starts a list member: JSON <c>"name": [</c>; XML nothing, items are named <paramref name="itemName"/>.</summary>
    public abstract void StartList(string name, string itemName);

    public abstract void EndList();

    /// <summary>A string item of the current list.</summary>
    public abstract void ListString(string value);

    /// <summary>Starts a structure item of the current list (JSON <c>{</c>, XML <c>&lt;itemName&gt;</c>).</summary>
    public abstract void StartItem();

    public abstract void EndItem();

    /// <summary>Starts a map member: JSON <c>"name": {</c>; XML entries named <paramref name="entryName"/> with key and value elements.</summary>
    public abstract void StartMap(string name, string entryName, string keyName = "Name", string valueName = "Value");

    public abstract void EndMap();

    /// <summary>A map entry with a string value.</summary>
    public abstract void MapString(string key, string value);

    /// <summary>Starts a map entry whose value is a structure (message attributes); members follow, then <see cref="EndMapEntry"/>.</summary>
    public abstract void StartMapEntry(string key);

    public abstract void EndMapEntry();

    /// <summary>A string member written only when it has a value.</summary>
    public void OptionalString(string name, string? value)
    {
        if (value is not null) String(name, value);
    }
}
