using System.Text;
using System.Xml;

namespace Tidings.Sqs.Protocol;

/// <summary>
/// An AWS Query result: <c>&lt;ActionResponse&gt;&lt;ActionResult&gt;…&lt;/ActionResult&gt;&lt;ResponseMetadata&gt;…</c>,
/// lists and maps flattened (SQS) or, with <c>wrapped</c>, inside an element of the member's name
/// (SNS: <c>&lt;Topics&gt;&lt;member&gt;…</c>, <c>&lt;Attributes&gt;&lt;entry&gt;&lt;key&gt;…</c>).
/// The Result element is written whenever the action has output, empty when the output has no
/// members (a ReceiveMessage that found nothing: botocore's query parser looks the element up and
/// fails without it); actions without output have none.
/// </summary>
public sealed class XmlOutput : SqsOutput
{
    public const string Namespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    // The SQS actions whose model has no output shape (AWS's answers to them have no Result element).
    private static readonly HashSet<string> NoOutput = new(StringComparer.Ordinal)
    {
        "AddPermission", "ChangeMessageVisibility", "DeleteMessage", "DeleteQueue", "PurgeQueue",
        "RemovePermission", "SetQueueAttributes", "TagQueue", "UntagQueue",
    };

    private readonly MemoryStream _stream = new();
    private readonly XmlWriter _xml;
    private readonly string _action;
    private readonly bool _wrapped;
    private bool _resultOpen;
    // The enclosing lists' item names and maps' entry shapes, innermost last.
    private readonly Stack<string> _itemNames = new();
    private readonly Stack<(string Entry, string Key, string Value)> _maps = new();

    public XmlOutput(string action, string xmlNamespace = Namespace, bool wrapped = false)
    {
        _action = action;
        _wrapped = wrapped;
        _xml = XmlWriter.Create(_stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), CheckCharacters = false, NewLineHandling = NewLineHandling.Entitize });
        _xml.WriteStartElement(action + "Response", xmlNamespace);
    }

    /// <summary>Closes the document with the request id and returns its bytes.</summary>
    public ReadOnlyMemory<byte> Finish(string requestId)
    {
        if (!_resultOpen && !NoOutput.Contains(_action)) Result();
        if (_resultOpen) _xml.WriteEndElement();
        _xml.WriteStartElement("ResponseMetadata");
        _xml.WriteElementString("RequestId", requestId);
        _xml.WriteEndElement();
        _xml.WriteEndElement();
        _xml.Flush();
        return _stream.GetBuffer().AsMemory(0, (int)_stream.Length);
    }

    /// <summary>Opens the Result element before the first member.</summary>
    private void Result()
    {
        if (_resultOpen) return;
        _resultOpen = true;
        _xml.WriteStartElement(_action + "Result");
    }

    public override void String(string name, string value)
    {
        Result();
        _xml.WriteElementString(name, Clean(value));
    }

    public override void Bool(string name, bool value) => String(name, value ? "true" : "false");

    public override void Number(string name, long value) => String(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override void StartList(string name, string itemName)
    {
        Result();
        if (_wrapped) _xml.WriteStartElement(name);
        _itemNames.Push(itemName);
    }

    public override void EndList()
    {
        _itemNames.Pop();
        if (_wrapped) _xml.WriteEndElement();
    }

    public override void ListString(string value) => _xml.WriteElementString(_itemNames.Peek(), Clean(value));

    public override void StartItem() => _xml.WriteStartElement(_itemNames.Peek());

    public override void EndItem() => _xml.WriteEndElement();

    public override void StartMap(string name, string entryName, string keyName = "Name", string valueName = "Value")
    {
        Result();
        if (_wrapped) _xml.WriteStartElement(name);
        _maps.Push((entryName, keyName, valueName));
    }

    public override void EndMap()
    {
        _maps.Pop();
        if (_wrapped) _xml.WriteEndElement();
    }

    public override void MapString(string key, string value)
    {
        var (entry, keyName, valueName) = _maps.Peek();
        _xml.WriteStartElement(entry);
        _xml.WriteElementString(keyName, Clean(key));
        _xml.WriteElementString(valueName, Clean(value));
        _xml.WriteEndElement();
    }

    public override void StartMapEntry(string key)
    {
        var (entry, keyName, valueName) = _maps.Peek();
        _xml.WriteStartElement(entry);
        _xml.WriteElementString(keyName, Clean(key));
        _xml.WriteStartElement(valueName);
    }

    public override void EndMapEntry()
    {
        _xml.WriteEndElement();
        _xml.WriteEndElement();
    }

    /// <summary>
    /// The text with every character XML 1.0 cannot carry (controls but tab, CR and LF; U+FFFE, U+FFFF;
    /// unpaired surrogates) as U+FFFD. Not even a character reference to one is well-formed, so an
    /// echoed value such as an error's would make the whole answer unparseable (found by the fuzzer).
    /// </summary>
    public static string Clean(string text)
    {
        int bad = IndexOfInvalid(text);
        if (bad < 0) return text;
        var clean = new StringBuilder(text.Length);
        clean.Append(text, 0, bad);
        for (int i = bad; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else
            {
                clean.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
            }
        }
        return clean.ToString();
    }

    private static int IndexOfInvalid(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (XmlConvert.IsXmlChar(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            return i;
        }
        return -1;
    }
}
