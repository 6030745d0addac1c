using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Manifests;

/// <summary>
/// One problem in a manifest, located by file and line, naming the object and field:
/// <c>FILE:LINE: Kind namespace/name: field.path: message</c>. Parts that are unknown are left out.
/// </summary>
public sealed record ManifestError(string Source, int Line, string? Object, string Path, string Message)
{
    public override string ToString()
    {
        var at = Line > 0 ? $"{Source}:{Line}" : Source;
        var obj = Object is null ? "" : $" {Object}:";
        var path = Path.Length == 0 ? "" : $" {Path}:";
        return $"{at}:{obj}{path} {Message}";
    }
}

/// <summary>
/// One object read from a manifest: where it came from (the line of its document, or of its item in a
/// <c>kind: List</c>), the decoded, defaulted object (null when it could not be decoded) and its problems.
/// </summary>
public sealed record ManifestObject(
    string Source,
    int Line,
    ResourceKind? Kind,
    IKubernetesObject<V1ObjectMeta>? Object,
    IReadOnlyList<ManifestError> Errors)
{
    public bool Ok => Object is not null && Errors.Count == 0;
}

/// <summary>
/// Everything read from a set of inputs: every object, and every error of every object and file
/// (in input order). Callers that apply must apply nothing unless <see cref="Ok"/>.
/// </summary>
public sealed record ManifestReadResult(IReadOnlyList<ManifestObject> Objects, IReadOnlyList<ManifestError> Errors)
{
    public bool Ok => Errors.Count == 0;

    /// <summary>The decoded objects, in input order.</summary>
    public IEnumerable<IKubernetesObject<V1ObjectMeta>> Resources => Objects.Where(o => o.Object is not null).Select(o => o.Object!);
}

/// <summary>Settings of a <see cref="ManifestReader"/>.</summary>
public sealed record ManifestReaderOptions
{
    /// <summary>
    /// Like kubectl's --namespace: fills in the namespace of namespaced objects that have none, and
    /// is an error for an object that names a different namespace. Null: use <see cref="DefaultNamespace"/>.
    /// </summary>
    public string? NamespaceOverride { get; init; }

    /// <summary>Namespace given to namespaced objects without one when there is no override. Default "default".</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>Apply API defaults and validate each decoded object (default true). Off: decode only.</summary>
    public bool Validate { get; init; } = true;

    /// <summary>What "-" reads. Default: the process's standard input.</summary>
    public Func<TextReader> Stdin { get; init; } = () => Console.In;
}
