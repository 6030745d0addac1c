using System.Text.Json.Nodes;
using Switchyard.Cli.Output.Printers;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Output;

/// <summary>How a table of objects is laid out.</summary>
/// <param name="Wide">-o wide: the kind's extra columns.</param>
/// <param name="WithNamespace">-A: a NAMESPACE column first.</param>
/// <param name="QualifiedNames">get all: names as "pod/web".</param>
internal sealed record TableOptions(bool Wide = false, bool WithNamespace = false, bool QualifiedNames = false);

/// <summary>Builds the kubectl-style table of one kind's objects.</summary>
internal static class ResourceTable
{
    public static IReadOnlyList<string> Headers(ResourceKind kind, TableOptions options)
    {
        var headers = KindPrinters.For(kind).Headers(options.Wide);
        return options.WithNamespace ? ["NAMESPACE", .. headers] : headers;
    }

    public static IReadOnlyList<string> Row(ResourceKind kind, JsonNode obj, TableOptions options, DateTimeOffset now)
    {
        var cells = KindPrinters.For(kind).Cells(obj, now, options.Wide).ToArray();
        if (options.QualifiedNames) cells[0] = ObjectNames.Qualified(kind, cells[0]);
        return options.WithNamespace ? [obj.Str("metadata.namespace") ?? "", .. cells] : cells;
    }

    public static Table Build(ResourceKind kind, IEnumerable<JsonNode> items, TableOptions options, DateTimeOffset now)
    {
        var table = new Table(Headers(kind, options));
        foreach (var item in items) table.AddRow(Row(kind, item, options, now));
        return table;
    }
}
