using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// How one kind of object is listed: how to build its JSON, its name for the name filter, and
/// the fields that can be sorted on without building the JSON of every object.
/// </summary>
internal sealed class Listing<T>
{
    /// <summary>Builds the JSON object of one item (only called for the items replied).</summary>
    public required Func<T, Dictionary<string, object?>> Build { get; init; }

    /// <summary>The name the name= filter matches, null when the kind has no name.</summary>
    public Func<T, string>? Name { get; init; }

    /// <summary>Text sort keys read from the core object (name, vhost…): the fast path.</summary>
    public Dictionary<string, Func<T, string>> TextKeys { get; init; } = [];

    /// <summary>Other sort keys read from the core object; a sort on a field in neither builds every object first.</summary>
    public Dictionary<string, Func<T, object?>> Keys { get; init; } = [];

    /// <summary>The default sort, RabbitMQ's ["vhost", "name"].</summary>
    public string[] DefaultSort { get; init; } = ["vhost", "name"];
}

/// <summary>
/// RabbitMQ's list query: sort, sort_reverse, name/use_regex filter, page/page_size and columns.
/// Sorting and filtering run on the core objects, so a page of a huge list builds JSON for that
/// page only.
/// </summary>
internal static class ListReply
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 500;

    public static IResult Reply<T>(ApiRequest request, IEnumerable<T> source, Listing<T> listing)
    {
        var (page, pageSize) = PageParameters(request);
        var items = source.ToArray(); // a copy: sorting below reorders it
        int total = items.Length;

        if (NameFilter(request) is { } filter && listing.Name is { } name)
            items = Array.FindAll(items, item => filter(name(item)));

        var sorts = SortColumns(request, listing.DefaultSort);
        bool reverse = request.QueryFlag("sort_reverse");
        List<Dictionary<string, object?>> built;
        int filtered = items.Length;
        if (sorts.All(listing.TextKeys.ContainsKey))
        {
            var window = TextWindow(items, [.. sorts.Select(s => listing.TextKeys[s])], reverse, page, pageSize);
            built = new List<Dictionary<string, object?>>(window.Count);
            foreach (var item in window) built.Add(listing.Build(item));
        }
        else if (sorts.All(s => listing.TextKeys.ContainsKey(s) || listing.Keys.ContainsKey(s)))
        {
            var extractors = sorts.Select(s => listing.TextKeys.TryGetValue(s, out var text) ? (item => text(item)) : listing.Keys[s]).ToArray();
            SortBy(items, item => Array.ConvertAll(extractors, e => e(item)), reverse);
            var window = Window(items, page, pageSize);
            built = new List<Dictionary<string, object?>>(window.Count);
            foreach (var item in window) built.Add(listing.Build(item));
        }
        else
        {
            // A field only the JSON has: build everything, then sort (RabbitMQ's "slow query mode").
            var all = Array.ConvertAll(items, item => listing.Build(item));
            SortBy(all, json => sorts.Select(s => Dotted(json, s)).ToArray(), reverse);
            built = [.. Window(all, page, pageSize)];
        }

        if (Columns(request) is { } columns)
            for (int i = 0; i < built.Count; i++) built[i] = Extract(built[i], columns);

        if (page is null) return Json.Ok(built);
        return Json.Ok(new Dictionary<string, object?>
        {
            ["filtered_count"] = filtered,
            ["item_count"] = built.Count,
            ["items"] = built,
            ["page"] = page.Value,
            ["page_count"] = (filtered + pageSize - 1) / pageSize,
            ["page_size"] = pageSize,
            ["total_count"] = total,
        });

        ArraySegment<TItem> Window<TItem>(TItem[] all, int? pageNumber, int size)
        {
            if (pageNumber is not { } p) return all;
            long offset = (long)(p - 1) * size;
            if (offset > all.Length) throw OutOfRange(p, size, all.Length);
            return new ArraySegment<TItem>(all, (int)offset, (int)Math.Min(size, all.Length - offset));
        }
    }

    /// <summary>A reply of one object with columns= applied.</summary>
    public static IResult One(ApiRequest request, Dictionary<string, object?> item) =>
        Json.Ok(Columns(request) is { } columns ? Extract(item, columns) : item);

    private static (int? Page, int PageSize) PageParameters(ApiRequest request)
    {
        string? pageText = request.Query("page"), sizeText = request.Query("page_size");
        if (pageText is null) return (null, DefaultPageSize);
        if (!int.TryParse(pageText, out int page) || page <= 0 ||
            (sizeText is not null && (!int.TryParse(sizeText, out int size) || size <= 0 || size > MaxPageSize)))
        {
            throw new ApiError(HttpErrors.Error(StatusCodes.Status400BadRequest, "invalid_pagination_parameters",
                $"Invalid pagination parameters: page number {pageText}, page size {sizeText ?? "undefined"}"));
        }
        return (page, sizeText is null ? DefaultPageSize : int.Parse(sizeText, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>name= as a case-insensitive substring, or a case-insensitive regex with use_regex=true.</summary>
    private static Func<string, bool>? NameFilter(ApiRequest request)
    {
        string? name = request.Query("name");
        if (string.IsNullOrEmpty(name)) return null;
        if (!request.QueryFlag("use_regex")) return n => n.Contains(name, StringComparison.OrdinalIgnoreCase);
        Regex regex;
        try
        {
            regex = new Regex(name, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        }
        catch (ArgumentException e)
        {
            throw new ApiError(HttpErrors.BadRequest($"invalid regular expression: {e.Message}"));
        }
        return n =>
        {
            try
            {
                return regex.IsMatch(n);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        };
    }

    /// <summary>The requested sort column first, then the defaults, without repeats.</summary>
    private static List<string> SortColumns(ApiRequest request, string[] defaults)
    {
        var columns = new List<string>();
        if (request.Query("sort") is { Length: > 0 } sort) columns.Add(sort);
        foreach (var d in defaults)
            if (!columns.Contains(d)) columns.Add(d);
        return columns;
    }

    /// <summary>
    /// The page of items sorted on text keys only, the common case (vhost, name). Each item gets
    /// one ordinal string, its keys joined by U+0000 so that string order is tuple order. An
    /// early page of a long list is selected with a bounded heap (n log k) instead of sorting
    /// everything (n log n); other requests sort the whole list.
    /// </summary>
    private static IReadOnlyList<TItem> TextWindow<TItem>(TItem[] items, Func<TItem, string>[] keys, bool reverse,
        int? page, int pageSize)
    {
        var composite = new string[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var item = items[i];
            composite[i] = keys.Length switch
            {
                1 => keys[0](item),
                2 => string.Concat(keys[0](item), "\0", keys[1](item)),
                _ => string.Join('\0', keys.Select(k => k(item))),
            };
        }
        var order = reverse ? ReverseOrdinal.Instance : (IComparer<string>)StringComparer.Ordinal;
        long offset = page is { } p ? (long)(p - 1) * pageSize : 0;
        if (offset > items.Length) throw OutOfRange(page!.Value, pageSize, items.Length);
        long wanted = offset + pageSize;
        if (page is null || wanted * 8 > items.Length)
        {
            Array.Sort(composite, items, order);
            return page is null ? items : new ArraySegment<TItem>(items, (int)offset, (int)Math.Min(pageSize, items.Length - offset));
        }

        // Keep the first `wanted` items in order: a max-heap (by the request's order) of that size.
        var heap = new PriorityQueue<int, string>((int)wanted, new Inverted(order));
        for (int i = 0; i < items.Length; i++)
        {
            if (heap.Count < wanted) heap.Enqueue(i, composite[i]);
            else if (heap.TryPeek(out _, out var last) && order.Compare(composite[i], last) < 0) heap.EnqueueDequeue(i, composite[i]);
        }
        var kept = new int[heap.Count];
        for (int i = kept.Length - 1; i >= 0; i--) kept[i] = heap.Dequeue();
        var result = new List<TItem>(pageSize);
        for (long i = offset; i < kept.Length; i++) result.Add(items[kept[i]]);
        return result;
    }

    private static ApiError OutOfRange(int page, int size, int length) =>
        new(HttpErrors.Error(StatusCodes.Status400BadRequest, "page_out_of_range",
            $"Page out of range, page: {page} page size: {size}, len: {length}"));

    private sealed class ReverseOrdinal : IComparer<string>
    {
        public static readonly ReverseOrdinal Instance = new();
        public int Compare(string? x, string? y) => string.CompareOrdinal(y, x);
    }

    private sealed class Inverted(IComparer<string> inner) : IComparer<string>
    {
        public int Compare(string? x, string? y) => inner.Compare(y, x);
    }

    private static void SortBy<TItem>(TItem[] items, Func<TItem, object?[]> key, bool reverse)
    {
        var keys = Array.ConvertAll(items, i => key(i));
        Array.Sort(keys, items, KeyComparer.Instance);
        if (reverse) Array.Reverse(items);
    }

    /// <summary>A dotted column ("message_stats.publish") of a built object; missing counts as 0, as in RabbitMQ.</summary>
    private static object? Dotted(Dictionary<string, object?> item, string path)
    {
        object? current = item;
        foreach (var part in path.Split('.'))
        {
            if (current is not Dictionary<string, object?> map || !map.TryGetValue(part, out current)) return 0L;
        }
        return current;
    }

    /// <summary>columns=a,b.c as paths, or null when absent.</summary>
    private static List<string[]>? Columns(ApiRequest request) =>
        request.Query("columns") is { Length: > 0 } text
            ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.Split('.'))]
            : null;

    private static Dictionary<string, object?> Extract(Dictionary<string, object?> item, List<string[]> columns)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in item)
        {
            var wanted = columns.Where(c => c[0] == key).ToList();
            if (wanted.Count == 0) continue;
            if (wanted.Exists(c => c.Length == 1) || value is not Dictionary<string, object?> nested)
                result[key] = value;
            else
                result[key] = Extract(nested, [.. wanted.Select(c => c[1..])]);
        }
        return result;
    }

    /// <summary>
    /// Compares sort keys as Erlang orders terms, which RabbitMQ's sort relies on: numbers before
    /// booleans before strings; a missing value sorts as 0.
    /// </summary>
    private sealed class KeyComparer : IComparer<object?[]>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(object?[]? x, object?[]? y)
        {
            for (int i = 0; i < x!.Length; i++)
            {
                int c = CompareValues(x[i], y![i]);
                if (c != 0) return c;
            }
            return 0;
        }

        private static int CompareValues(object? a, object? b)
        {
            a ??= 0L;
            b ??= 0L;
            int ra = Rank(a), rb = Rank(b);
            if (ra != rb) return ra.CompareTo(rb);
            return ra switch
            {
                0 => Convert.ToDouble(a, null).CompareTo(Convert.ToDouble(b, null)),
                1 => ((bool)a).CompareTo((bool)b),
                2 => string.CompareOrdinal((string)a, (string)b),
                _ => 0,
            };
        }

        private static int Rank(object value) => value switch
        {
            bool => 1,
            string => 2,
            IConvertible => 0,
            _ => 3,
        };
    }
}
