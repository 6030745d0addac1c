using System.Text.Json.Nodes;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Output;

/// <summary>How objects are named in command output, as kubectl does: "service/web", "deployment.apps/web".</summary>
internal static class ObjectNames
{
    /// <summary>"kind" for the core group, "kind.group" otherwise, lowercase.</summary>
    public static string KindPrefix(ResourceKind kind) =>
        kind.Group.Length == 0 ? kind.Singular : $"{kind.Singular}.{kind.Group}";

    public static string Qualified(ResourceKind kind, string name) => $"{KindPrefix(kind)}/{name}";

    /// <summary>The name of a wire object; falls back to its kind field when the kind is not one we serve.</summary>
    public static string Qualified(JsonNode obj)
    {
        var name = obj.Str("metadata.name") ?? "";
        var kind = ResourceKinds.Find(obj.Str("apiVersion") ?? "", obj.Str("kind") ?? "");
        if (kind is not null) return Qualified(kind, name);
        return $"{(obj.Str("kind") ?? "object").ToLowerInvariant()}/{name}";
    }

    /// <summary>kubectl's quoted form in delete messages: service "web", deployment.apps "web".</summary>
    public static string Quoted(ResourceKind kind, string name) => $"{KindPrefix(kind)} \"{name}\"";
}
