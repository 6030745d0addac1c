namespace Switchyard.Model.Resources;

/// <summary>
/// Describes one kind of resource the way the Kubernetes API discovery document does:
/// its group and version, its names for humans (plural, singular, short names), whether it
/// lives in a namespace, and the CLR type that holds it.
/// </summary>
public sealed record ResourceKind
{
    /// <summary>API group; empty for the core group ("v1").</summary>
    public required string Group { get; init; }

    /// <summary>The version objects are stored and served in.</summary>
    public required string Version { get; init; }

    /// <summary>Other versions accepted in manifests (converted to <see cref="Version"/> on read).</summary>
    public IReadOnlyList<string> AlsoAcceptedVersions { get; init; } = [];

    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public required bool Namespaced { get; init; }
    public required Type Type { get; init; }

    public string Singular => Kind.ToLowerInvariant();

    /// <summary>"v1" for the core group, "group/version" otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Stable identity of the kind across versions: "Kind" or "Kind.group".</summary>
    public string Key => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>The REST collection path, e.g. /api/v1/namespaces/{ns}/pods.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? "/api/v1" : $"/apis/{Group}/{Version}";
        return Namespaced && ns is not null ? $"{root}/namespaces/{ns}/{Plural}" : $"{root}/{Plural}";
    }

    public bool AcceptsApiVersion(string apiVersion)
    {
        if (apiVersion == ApiVersion) return true;
        foreach (var v in AlsoAcceptedVersions)
        {
            if (apiVersion == (Group.Length == 0 ? v : $"{Group}/{v}")) return true;
        }
        return false;
    }

    public override string ToString() => Key;
}
