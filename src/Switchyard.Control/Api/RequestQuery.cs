using System.Globalization;
using Microsoft.AspNetCore.Http;
using Switchyard.Model.Selectors;

namespace Switchyard.Control.Api;

/// <summary>
/// The query parameters the resource endpoints understand, parsed and checked once:
/// labelSelector, fieldSelector (metadata.name / metadata.namespace), watch, resourceVersion,
/// timeoutSeconds, dryRun.
/// </summary>
internal sealed record RequestQuery
{
    public Selector? LabelSelector { get; private init; }
    public FieldSelector? FieldSelector { get; private init; }
    public bool Watch { get; private init; }

    /// <summary>Watch from this revision; null (absent or "0") means current state first, then changes.</summary>
    public long? ResourceVersion { get; private init; }

    public TimeSpan? Timeout { get; private init; }
    public bool DryRun { get; private init; }

    public static (RequestQuery? Query, ApiStatus? Error) Parse(IQueryCollection query)
    {
        Selector? labels = null;
        if (query.TryGetValue("labelSelector", out var ls) && !string.IsNullOrEmpty(ls.ToString()))
        {
            var parsed = Selector.Parse(ls.ToString());
            if (!parsed.Ok) return (null, ApiStatus.BadRequest($"unable to parse requirement: {string.Join("; ", parsed.Errors)}"));
            labels = parsed.Selector;
        }
        FieldSelector? fields = null;
        if (query.TryGetValue("fieldSelector", out var fs) && !string.IsNullOrEmpty(fs.ToString()))
        {
            var (selector, error) = FieldSelector.Parse(fs.ToString());
            if (error is not null) return (null, ApiStatus.BadRequest(error));
            fields = selector;
        }
        var watch = query.TryGetValue("watch", out var w) && w.ToString() is "true" or "1" or "True";
        long? revision = null;
        if (query.TryGetValue("resourceVersion", out var rv) && !string.IsNullOrEmpty(rv.ToString()))
        {
            if (!long.TryParse(rv.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var r))
            {
                return (null, ApiStatus.BadRequest($"invalid resourceVersion \"{rv}\": must be a non-negative integer"));
            }
            revision = r == 0 ? null : r;
        }
        TimeSpan? timeout = null;
        if (query.TryGetValue("timeoutSeconds", out var ts) && !string.IsNullOrEmpty(ts.ToString()))
        {
            if (!int.TryParse(ts.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return (null, ApiStatus.BadRequest($"invalid timeoutSeconds \"{ts}\": must be a non-negative integer"));
            }
            timeout = seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
        }
        var dryRun = false;
        if (query.TryGetValue("dryRun", out var dr) && !string.IsNullOrEmpty(dr.ToString()))
        {
            if (dr.ToString() != "All") return (null, ApiStatus.BadRequest($"unsupported dryRun value \"{dr}\": the only supported value is All"));
            dryRun = true;
        }
        return (new RequestQuery
        {
            LabelSelector = labels, FieldSelector = fields, Watch = watch, ResourceVersion = revision, Timeout = timeout, DryRun = dryRun,
        }, null);
    }
}

/// <summary>The field selectors every kind supports: <c>metadata.name</c> and <c>metadata.namespace</c> with =, == or !=.</summary>
internal sealed record FieldSelector(IReadOnlyList<(string Field, bool Equal, string Value)> Terms)
{
    public static (FieldSelector? Selector, string? Error) Parse(string text)
    {
        var terms = new List<(string, bool, string)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (op, equal) = part.Contains("!=", StringComparison.Ordinal) ? ("!=", false)
                : part.Contains("==", StringComparison.Ordinal) ? ("==", true)
                : part.Contains('=', StringComparison.Ordinal) ? ("=", true) : ("", false);
            if (op.Length == 0) return (null, $"invalid field selector \"{part}\": expected field=value, field==value or field!=value");
            var at = part.IndexOf(op, StringComparison.Ordinal);
            var field = part[..at].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                return (null, $"field label not supported: {field} (supported: metadata.name, metadata.namespace)");
            }
            terms.Add((field, equal, part[(at + op.Length)..].Trim()));
        }
        return (new FieldSelector(terms), null);
    }

    public bool Matches(k8s.Models.V1ObjectMeta meta)
    {
        foreach (var (field, equal, value) in Terms)
        {
            var actual = field == "metadata.name" ? meta.Name : meta.NamespaceProperty ?? "";
            if ((actual == value) != equal) return false;
        }
        return true;
    }
}
