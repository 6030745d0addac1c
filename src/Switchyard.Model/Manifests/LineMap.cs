namespace Switchyard.Model.Manifests;

/// <summary>
/// Source lines of the fields of one parsed document, by field path. Paths are stored normalized:
/// object members as "a.b" and array items as "a[0]"; a map key written Kubernetes-style ("data[tls.crt]")
/// is looked up as a member ("data.tls.crt"). Lookup falls back to the nearest ancestor that has a line.
/// </summary>
public sealed class LineMap
{
    private readonly Dictionary<string, int> _lines;
    private readonly string _prefix;

    public LineMap() : this(new Dictionary<string, int>(StringComparer.Ordinal), "")
    {
    }

    private LineMap(Dictionary<string, int> lines, string prefix)
    {
        _lines = lines;
        _prefix = prefix;
    }

    /// <summary>Line of the document (or list item) itself.</summary>
    public int Root => _lines.GetValueOrDefault(_prefix.TrimEnd('.'), 0);

    internal void Record(string path, int line) => _lines.TryAdd(path, line);

    /// <summary>The map of a sub-tree, e.g. one item of a List ("items[3]").</summary>
    public LineMap Sub(string path) => new(_lines, Normalize(path) + ".");

    /// <summary>The line of <paramref name="path"/>, or of its nearest ancestor with a line, or the root line.</summary>
    public int Find(string path)
    {
        var p = Normalize(path);
        while (p.Length > 0)
        {
            if (_lines.TryGetValue(_prefix + p, out var line)) return line;
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0) break;
            p = p[..cut];
        }
        return Root;
    }

    /// <summary>Turns "[key]" segments whose key is not an index into ".key".</summary>
    internal static string Normalize(string path)
    {
        if (!path.Contains('[', StringComparison.Ordinal)) return path;
        var sb = new System.Text.StringBuilder(path.Length);
        var i = 0;
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '[')
            {
                var close = path.IndexOf(']', i + 1);
                if (close < 0)
                {
                    sb.Append(path, i, path.Length - i);
                    break;
                }
                var inner = path.AsSpan(i + 1, close - i - 1);
                if (inner.Length > 0 && int.TryParse(inner, out _)) sb.Append(path, i, close - i + 1);
                else sb.Append('.').Append(inner);
                i = close + 1;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }
}
