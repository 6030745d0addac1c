using System.Text;
using System.Text.Json.Nodes;
using Switchyard.Cli.Output;

namespace Switchyard.Cli.Commands.Describe;

/// <summary>
/// Writes kubectl-describe-style text: "Key:  value" lines whose values line up within a section,
/// nested sections indented by two spaces, "&lt;none&gt;" for empty values.
/// </summary>
internal sealed class DescribeWriter
{
    private readonly List<(int Level, string Key, string? Value)> _lines = [];

    /// <summary>A "Key: value" line; a null value makes a section header ("Key:").</summary>
    public DescribeWriter Line(int level, string key, string? value)
    {
        _lines.Add((level, key, value));
        return this;
    }

    public DescribeWriter Value(int level, string key, string? value) => Line(level, key, string.IsNullOrEmpty(value) ? "<none>" : value);

    public DescribeWriter Section(int level, string key) => Line(level, key, null);

    /// <summary>A map (labels, annotations, selector) as "k=v" lines with the first on the key's line.</summary>
    public DescribeWriter Map(int level, string key, IReadOnlyList<KeyValuePair<string, string>> map)
    {
        if (map.Count == 0) return Value(level, key, null);
        Line(level, key, $"{map[0].Key}={map[0].Value}");
        foreach (var p in map.Skip(1)) Line(level, "", $"{p.Key}={p.Value}");
        return this;
    }

    /// <summary>Free text (a table, YAML), each line indented at the level.</summary>
    public DescribeWriter Text(int level, string text)
    {
        foreach (var l in text.TrimEnd('\n').Split('\n')) _lines.Add((level, "\u0000", l));
        return this;
    }

    /// <summary>Conditions as a TYPE STATUS REASON MESSAGE table, or "&lt;none&gt;".</summary>
    public DescribeWriter Conditions(int level, JsonNode obj, string path = "status.conditions")
    {
        var conditions = obj.Items(path);
        if (conditions.Count == 0) return Value(level, "Conditions", null);
        Section(level, "Conditions");
        var table = new Table(["Type", "Status", "Reason", "Message"]);
        foreach (var c in conditions) table.AddRow([c.Str("type") ?? "", c.Str("status") ?? "", c.Str("reason") ?? "", c.Str("message") ?? ""]);
        return Text(level + 1, table.Render());
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < _lines.Count)
        {
            // Values line up within a run of lines at the same level.
            var level = _lines[i].Level;
            var end = i;
            while (end < _lines.Count && _lines[end].Level == level) end++;
            var width = _lines.Skip(i).Take(end - i).Where(l => l.Value is not null && l.Key != "\u0000").Select(l => l.Key.Length + 1).DefaultIfEmpty(0).Max();
            for (; i < end; i++)
            {
                var (lvl, key, value) = _lines[i];
                var indent = new string(' ', lvl * 2);
                if (key == "\u0000") sb.Append(indent).Append(value).Append('\n');
                else if (value is null) sb.Append(indent).Append(key).Append(":\n");
                else if (key.Length == 0) sb.Append(indent).Append(' ', width + 2).Append(value).Append('\n');
                else sb.Append(indent).Append((key + ":").PadRight(width)).Append("  ").Append(value).Append('\n');
            }
        }
        return sb.ToString();
    }
}
