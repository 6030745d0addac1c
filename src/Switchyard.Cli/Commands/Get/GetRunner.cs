using System.Text.Json.Nodes;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Get;

/// <summary>Fetches what a <see cref="GetRequest"/> names and prints it; then, with --watch, the changes.</summary>
internal sealed class GetRunner(CliContext context, SwitchyardClient client, GetRequest request)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var sections = new List<(ResourceKind Kind, List<JsonObject> Items)>();
        string? revision = null;
        var failed = false;
        foreach (var kind in request.Kinds)
        {
            var ns = kind.Namespaced ? request.Namespace : null;
            var items = new List<JsonObject>();
            if (request.Names.Count == 0)
            {
                var list = await client.ListAsync(kind, ns, request.LabelSelector, cancellationToken);
                if (!list.Ok) return context.Fail(client, list.Error!);
                items.AddRange(list.Value!.Items);
                revision = list.Value.ResourceVersion;
            }
            else
            {
                foreach (var name in request.Names)
                {
                    var got = await client.GetAsync(kind, ns ?? (kind.Namespaced ? NamespaceOptions.DefaultNamespace : null), name, cancellationToken);
                    if (got.Ok)
                    {
                        items.Add(got.Value!);
                        continue;
                    }
                    if (got.Error!.Kind != ApiErrorKind.Status) return context.Fail(client, got.Error);
                    context.Fail(client, got.Error);
                    failed = true;
                }
            }
            sections.Add((kind, items));
        }

        Print(sections);
        if (request.Watch)
        {
            var kind = request.Kinds[0];
            var widths = ResourceTable.Build(kind, sections[0].Items, request.TableOptions, context.Now).Widths();
            var code = await WatchAsync(kind, revision, widths, sections[0].Items.Count == 0, cancellationToken);
            return failed ? ExitCodes.Failure : code;
        }
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private void Print(List<(ResourceKind Kind, List<JsonObject> Items)> sections)
    {
        var everything = sections.SelectMany(s => s.Items).ToList();
        switch (request.Format)
        {
            case OutputFormat.Json or OutputFormat.Yaml:
                if (everything.Count == 0 && request.Names.Count > 0) return;
                JsonNode doc = request.Names.Count == 1 && !request.AllKinds && everything.Count == 1 && !request.Watch
                    ? everything[0]
                    : OutputFormats.List(everything);
                context.Out.Write(OutputFormats.Serialize(doc, request.Format));
                return;
            case OutputFormat.Name:
                foreach (var (kind, items) in sections)
                {
                    foreach (var item in items) context.Out.WriteLine(ObjectNames.Qualified(kind, item.Str("metadata.name") ?? ""));
                }
                return;
            default:
                if (everything.Count == 0)
                {
                    if (request.Names.Count == 0) context.Error.WriteLine(request.NothingFound);
                    return;
                }
                var first = true;
                foreach (var (kind, items) in sections)
                {
                    if (items.Count == 0) continue;
                    if (!first) context.Out.WriteLine();
                    first = false;
                    context.Out.Write(ResourceTable.Build(kind, items, request.TableOptions, context.Now).Render());
                }
                return;
        }
    }

    private async Task<int> WatchAsync(ResourceKind kind, string? revision, int[] widths, bool headerPending, CancellationToken cancellationToken)
    {
        var ns = kind.Namespaced ? request.Namespace : null;
        var names = request.Names.ToHashSet(StringComparer.Ordinal);
        try
        {
            var opened = await client.WatchAsync(kind, ns, request.LabelSelector, revision, cancellationToken);
            if (!opened.Ok) return context.Fail(client, opened.Error!);
            await foreach (var line in opened.Value!.WithCancellation(cancellationToken))
            {
                if (line.Type == "ERROR")
                {
                    var message = line.Object.Str("message") ?? "watch ended with an error";
                    return context.Fail($"watch: {message}");
                }
                if (names.Count > 0 && !names.Contains(line.Object.Str("metadata.name") ?? "")) continue;
                switch (request.Format)
                {
                    case OutputFormat.Json or OutputFormat.Yaml:
                        if (request.Format == OutputFormat.Yaml) context.Out.WriteLine("---");
                        context.Out.Write(OutputFormats.Serialize(line.Object, request.Format));
                        break;
                    case OutputFormat.Name:
                        context.Out.WriteLine(ObjectNames.Qualified(kind, line.Object.Str("metadata.name") ?? ""));
                        break;
                    default:
                        var row = ResourceTable.Row(kind, line.Object, request.TableOptions, context.Now);
                        if (headerPending)
                        {
                            var table = new Table(ResourceTable.Headers(kind, request.TableOptions));
                            table.AddRow(row);
                            widths = table.Widths();
                            context.Out.Write(Table.FormatLine(ResourceTable.Headers(kind, request.TableOptions), widths));
                            headerPending = false;
                        }
                        var text = Table.FormatLine(row, widths);
                        context.Out.Write(line.Type == "DELETED" ? context.Colors.Dim(text.TrimEnd('\n')) + "\n" : text);
                        break;
                }
                await context.Out.FlushAsync(cancellationToken);
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // Stopped (Ctrl-C): the read in flight may end as any of these, depending on where the stop finds it.
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return context.Fail($"watch: the connection to {client.Target.Server} was lost");
        }
        return ExitCodes.Ok;
    }
}
