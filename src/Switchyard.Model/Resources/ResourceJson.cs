using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Resources;

/// <summary>
/// JSON for resources, in the Kubernetes wire format (camelCase, nulls omitted, RFC 3339 times).
/// One options instance, shared with the Kubernetes client models so both agree on every converter.
/// </summary>
public static class ResourceJson
{
    /// <summary>The serializer options every Switchyard component uses for resources. Read-only.</summary>
    public static JsonSerializerOptions Options { get; } = CaptureOptions();

    public static string Serialize(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.Serialize(obj, obj.GetType(), Options);

    public static byte[] SerializeToUtf8(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public static JsonNode ToNode(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.SerializeToNode(obj, obj.GetType(), Options)!;

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, ReadOnlySpan<byte> utf8) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)JsonSerializer.Deserialize(utf8, kind.Type, Options)!);

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, string json) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)JsonSerializer.Deserialize(json, kind.Type, Options)!);

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, JsonNode node) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)node.Deserialize(kind.Type, Options)!);

    /// <summary>A deep copy, through JSON.</summary>
    public static T Clone<T>(T obj) where T : IKubernetesObject<V1ObjectMeta> =>
        (T)Deserialize(ResourceKinds.Of(obj), SerializeToUtf8(obj));

    /// <summary>Sets apiVersion and kind to the stored version, so every object read names its kind.</summary>
    private static IKubernetesObject<V1ObjectMeta> Stamp(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj)
    {
        obj.ApiVersion = kind.ApiVersion;
        obj.Kind = kind.Kind;
        obj.Metadata ??= new V1ObjectMeta();
        return obj;
    }

    private static JsonSerializerOptions CaptureOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        var options = new JsonSerializerOptions(captured ?? throw new InvalidOperationException("Kubernetes JSON options unavailable"));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
