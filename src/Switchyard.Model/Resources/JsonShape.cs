using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Switchyard.Model.Resources;

/// <summary>What JSON a CLR type accepts, as the strict decoder checks it.</summary>
internal enum ShapeKind
{
    Any,
    Object,
    Array,
    Map,
    String,
    Bool,
    Integer,
    Number,
    IntOrString,
    Quantity,
    DateTime,
    Bytes,
}

/// <summary>
/// The accepted JSON shape of one CLR type, derived once from the System.Text.Json metadata of
/// <see cref="ResourceJson.Options"/> so the decoder agrees with the serializer about every field name.
/// Child shapes are resolved lazily through <see cref="JsonShapes"/> (types may be recursive).
/// </summary>
internal sealed class JsonShape
{
    public required ShapeKind Kind { get; init; }
    public required Type Type { get; init; }

    /// <summary>False for non-nullable value types: JSON null cannot be stored there.</summary>
    public bool AcceptsNull { get; init; } = true;

    /// <summary>Object properties by exact JSON name (Object).</summary>
    public FrozenDictionary<string, Type> Properties { get; init; } = FrozenDictionary<string, Type>.Empty;

    /// <summary>Element type (Array) or value type (Map).</summary>
    public Type? Element { get; init; }

    /// <summary>Whether unknown object members are kept by an extension-data property rather than rejected.</summary>
    public bool HasExtensionData { get; init; }

    public long Min { get; init; }
    public long Max { get; init; }
}

/// <summary>Memo of <see cref="JsonShape"/> per type. The derived data is immutable; the memo only saves reflection.</summary>
internal static class JsonShapes
{
    private static readonly ConcurrentDictionary<Type, JsonShape> Cache = new();

    public static JsonShape Of(Type type) => Cache.GetOrAdd(type, Build);

    private static JsonShape Build(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var acceptsNull = !type.IsValueType || underlying is not null;
        var t = underlying ?? type;
        var leaf = Leaf(t, acceptsNull);
        if (leaf is not null) return leaf;

        var info = ResourceJson.Options.GetTypeInfo(t);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                var props = new Dictionary<string, Type>(StringComparer.Ordinal);
                var extension = false;
                foreach (var p in info.Properties)
                {
                    if (p.IsExtensionData) extension = true;
                    else if (p.Set is not null || p.Get is not null) props[p.Name] = p.PropertyType;
                }
                return new JsonShape { Kind = ShapeKind.Object, Type = t, AcceptsNull = acceptsNull, Properties = props.ToFrozenDictionary(StringComparer.Ordinal), HasExtensionData = extension };
            case JsonTypeInfoKind.Enumerable:
                return new JsonShape { Kind = ShapeKind.Array, Type = t, AcceptsNull = acceptsNull, Element = info.ElementType };
            case JsonTypeInfoKind.Dictionary:
                return new JsonShape { Kind = ShapeKind.Map, Type = t, AcceptsNull = acceptsNull, Element = info.ElementType };
            default:
                // A type with a custom converter we do not know: accept whatever the converter accepts.
                return new JsonShape { Kind = ShapeKind.Any, Type = t, AcceptsNull = acceptsNull };
        }
    }

    private static JsonShape? Leaf(Type t, bool acceptsNull)
    {
        ShapeKind? kind = null;
        long min = 0, max = 0;
        if (t == typeof(string) || t.IsEnum || t == typeof(Guid) || t == typeof(TimeSpan)) kind = ShapeKind.String;
        else if (t == typeof(bool)) kind = ShapeKind.Bool;
        else if (t == typeof(int)) (kind, min, max) = (ShapeKind.Integer, int.MinValue, int.MaxValue);
        else if (t == typeof(long)) (kind, min, max) = (ShapeKind.Integer, long.MinValue, long.MaxValue);
        else if (t == typeof(short)) (kind, min, max) = (ShapeKind.Integer, short.MinValue, short.MaxValue);
        else if (t == typeof(byte)) (kind, min, max) = (ShapeKind.Integer, byte.MinValue, byte.MaxValue);
        else if (t == typeof(uint)) (kind, min, max) = (ShapeKind.Integer, uint.MinValue, uint.MaxValue);
        else if (t == typeof(ushort)) (kind, min, max) = (ShapeKind.Integer, ushort.MinValue, ushort.MaxValue);
        else if (t == typeof(ulong)) (kind, min, max) = (ShapeKind.Integer, 0, long.MaxValue);
        else if (t == typeof(double) || t == typeof(float) || t == typeof(decimal)) kind = ShapeKind.Number;
        else if (t == typeof(IntOrString)) kind = ShapeKind.IntOrString;
        else if (t == typeof(ResourceQuantity)) kind = ShapeKind.Quantity;
        else if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) kind = ShapeKind.DateTime;
        else if (t == typeof(byte[])) kind = ShapeKind.Bytes;
        else if (t == typeof(object) || t == typeof(JsonElement) || t == typeof(JsonNode) || t == typeof(JsonObject)
            || t == typeof(JsonArray) || t == typeof(JsonValue) || t == typeof(JsonDocument))
        {
            kind = ShapeKind.Any;
        }
        return kind is null ? null : new JsonShape { Kind = kind.Value, Type = t, AcceptsNull = acceptsNull, Min = min, Max = max };
    }
}
