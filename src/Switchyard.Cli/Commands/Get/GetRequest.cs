using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Get;

/// <summary>
/// A parsed get: which kinds (several for "all"), which names (none: list), where, and how to print.
/// <see cref="Namespace"/> is null with -A.
/// </summary>
internal sealed record GetRequest(
    IReadOnlyList<ResourceKind> Kinds,
    IReadOnlyList<string> Names,
    string? Namespace,
    string? LabelSelector,
    OutputFormat Format,
    bool Watch)
{
    public bool AllKinds => Kinds.Count > 1;

    /// <summary>The kinds "get all" shows, in kubectl's order.</summary>
    public static readonly IReadOnlyList<ResourceKind> AllKindsList = [ResourceKinds.Pod, ResourceKinds.Service, ResourceKinds.Deployment];

    public TableOptions TableOptions => new(
        Wide: Format == OutputFormat.Wide,
        WithNamespace: Namespace is null && Kinds.Any(k => k.Namespaced),
        QualifiedNames: AllKinds);

    /// <summary>kubectl's message for an empty result.</summary>
    public string NothingFound =>
        Namespace is null || Kinds.All(k => !k.Namespaced) ? "No resources found" : $"No resources found in {Namespace} namespace.";
}
