using Switchyard.Model.Resources;

namespace Switchyard.Control.Api;

/// <summary>
/// What a REST path addresses: a kind, optionally a namespace, a name and a subresource.
/// <c>/api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]</c>, <c>/api/v1/{plural}[/{name}[/{sub}]]</c>,
/// and the same under <c>/apis/{group}/{version}</c>.
/// </summary>
internal sealed record ResourcePath(ResourceKind Kind, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Subresources served; <c>status</c> is the only one (GET and PUT).</summary>
    public const string StatusSubresource = "status";

    public ObjectRef Ref => new(Kind, Kind.Namespaced ? Namespace : null, Name ?? "");

    /// <summary>Parses a path below /api or /apis; null when no served kind lives there.</summary>
    public static ResourcePath? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }
        var tail = segments.AsSpan(rest);
        if (tail.Length >= 3 && tail[0] == "namespaces" && Find(group, version, tail[2]) is { Namespaced: true } namespacedKind)
        {
            return Build(namespacedKind, tail[1], tail[3..]);
        }
        return Find(group, version, tail[0]) is { } kind ? Build(kind, null, tail[1..]) : null;
    }

    /// <summary>The kind served at a group, version and plural (a kind is served at every version it accepts).</summary>
    public static ResourceKind? Find(string group, string version, string plural)
    {
        foreach (var kind in ResourceKinds.All)
        {
            if (kind.Group == group && kind.Plural == plural && (kind.Version == version || kind.AlsoAcceptedVersions.Contains(version))) return kind;
        }
        return null;
    }

    private static ResourcePath? Build(ResourceKind kind, string? ns, ReadOnlySpan<string> tail)
    {
        var name = tail.Length >= 1 ? tail[0] : null;
        var sub = tail.Length >= 2 ? tail[1] : null;
        if (tail.Length > 2 || (sub is not null && sub != StatusSubresource)) return null;
        // A namespaced object is addressed only inside its namespace; /api/v1/pods lists across namespaces.
        if (kind.Namespaced && ns is null && name is not null) return null;
        return new ResourcePath(kind, ns, name, sub);
    }
}
