using System.Text;

namespace Switchyard.Cli.Output;

/// <summary>
/// A kubectl-style table: uppercase headers, every column as wide as its widest cell, columns
/// separated by three spaces, no trailing whitespace.
/// </summary>
internal sealed class Table
{
    private const string Gap = "   ";
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public Table(IReadOnlyList<string> headers) => _headers = headers.Select(h => h.ToUpperInvariant()).ToArray();

    public int RowCount => _rows.Count;

    public void AddRow(IReadOnlyList<string> cells)
    {
        if (cells.Count != _headers.Length)
        {
            throw new ArgumentException($"row has {cells.Count} cells, table has {_headers.Length} columns", nameof(cells));
        }
        _rows.Add([.. cells]);
    }

    /// <summary>Column widths for the header and all rows.</summary>
    public int[] Widths()
    {
        var widths = _headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }
        return widths;
    }

    public string Render(bool includeHeader = true)
    {
        var widths = Widths();
        var sb = new StringBuilder();
        if (includeHeader) AppendLine(sb, _headers, widths);
        foreach (var row in _rows) AppendLine(sb, row, widths);
        return sb.ToString();
    }

    /// <summary>One line with the given widths (used by watch, which prints rows as they arrive).</summary>
    public static string FormatLine(IReadOnlyList<string> cells, IReadOnlyList<int> widths)
    {
        var sb = new StringBuilder();
        AppendLine(sb, cells, widths);
        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, IReadOnlyList<string> cells, IReadOnlyList<int> widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) line.Append(Gap);
            line.Append(cells[i]);
            if (i < cells.Count - 1) line.Append(' ', Math.Max(0, widths[i] - cells[i].Length));
        }
        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
