using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Resources;

/// <summary>
/// JSON for resources, in the Kubernetes wire format (camelCase, nulls omitted, RFC 3339 times).
/// One options instance, with the Kubernetes client models' converters so both agree on every value format, and the
/// compile-time metadata of <see cref="ResourceJsonContext"/> as its only type information (no reflection, so it works
/// the same in the ahead-of-time compiled binary).
/// </summary>
public static class ResourceJson
{
    /// <summary>The serializer options every Switchyard component uses for resources. Read-only.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The metadata of a type <see cref="ResourceJsonContext"/> declares, for the typed serializer calls.</summary>
    public static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static string Serialize(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.Serialize(obj, Options.GetTypeInfo(obj.GetType()));

    public static byte[] SerializeToUtf8(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.SerializeToUtf8Bytes(obj, Options.GetTypeInfo(obj.GetType()));

    public static JsonNode ToNode(IKubernetesObject<V1ObjectMeta> obj) => JsonSerializer.SerializeToNode(obj, Options.GetTypeInfo(obj.GetType()))!;

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, ReadOnlySpan<byte> utf8) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)JsonSerializer.Deserialize(utf8, Options.GetTypeInfo(kind.Type))!);

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, string json) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)JsonSerializer.Deserialize(json, Options.GetTypeInfo(kind.Type))!);

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, JsonNode node) =>
        Stamp(kind, (IKubernetesObject<V1ObjectMeta>)node.Deserialize(Options.GetTypeInfo(kind.Type))!);

    /// <summary>A deep copy of any type the context declares (a whole resource or a part of one), through JSON.</summary>
    public static T Copy<T>(T value) => JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, Info<T>()), Info<T>())!;

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

    /// <summary>
    /// The Kubernetes client's value formats (RFC 3339 times, ISO 8601 durations, camelCase, nulls omitted), built here
    /// rather than copied from <c>KubernetesJson</c>: its static constructor roots a reflection resolver and the client's
    /// metadata for every Kubernetes type, which added 17 MB to the native gateway's memory at start (45 MB against 28).
    /// </summary>
    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = ResourceJsonContext.Default,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters =
            {
                new KubernetesJson.Iso8601TimeSpanConverter(),
                new KubernetesJson.KubernetesDateTimeConverter(),
                new KubernetesJson.KubernetesDateTimeOffsetConverter(),
                new V1Status.V1StatusObjectViewConverter(),
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
