using k8s;
using k8s.Models;

namespace Switchyard.Model.Resources;

/// <summary>Names one object: its kind, namespace (null for cluster-scoped kinds) and name.</summary>
public readonly record struct ObjectRef(ResourceKind Kind, string? Namespace, string Name)
{
    public static ObjectRef Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        var kind = ResourceKinds.Of(obj);
        return new ObjectRef(kind, kind.Namespaced ? obj.Metadata?.NamespaceProperty : null, obj.Metadata?.Name ?? "");
    }

    /// <summary>"Kind namespace/name" or "Kind name", as used in messages.</summary>
    public override string ToString() => Namespace is null ? $"{Kind.Kind} {Name}" : $"{Kind.Kind} {Namespace}/{Name}";
}
