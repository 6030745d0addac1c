using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Store.Core;

/// <summary>
/// The current state of one object, as the store keeps it: its serialized JSON (never handed out, so
/// nobody can change it) and the few metadata fields the store needs without decoding it again.
/// </summary>
internal sealed record StoredObject(
    ResourceKind Kind,
    StoreKey Key,
    long Revision,
    byte[] Json,
    string Uid,
    DateTime? CreationTimestamp,
    long Generation,
    IDictionary<string, string>? Labels)
{
    /// <summary>A fresh copy the caller owns.</summary>
    public IKubernetesObject<V1ObjectMeta> Decode() => ResourceJson.Deserialize(Kind, Json);

    /// <summary>Builds the record for an object whose metadata the store has already stamped.</summary>
    public static StoredObject From(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj, long revision, byte[] json)
    {
        var meta = obj.Metadata;
        return new StoredObject(
            kind,
            new StoreKey(kind.Key, StoreKey.NamespaceFor(kind, meta.NamespaceProperty), meta.Name),
            revision,
            json,
            meta.Uid ?? "",
            meta.CreationTimestamp,
            meta.Generation ?? 1,
            CopyLabels(meta.Labels));
    }

    public static IDictionary<string, string>? CopyLabels(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0 ? null : new Dictionary<string, string>(labels, StringComparer.Ordinal);
}
