using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Resources;

/// <summary>
/// The outcome of decoding one JSON object into a resource: the object, or every problem found. With problems, and
/// when they are all in members of objects, <see cref="Partial"/> is the object decoded without those members: not to
/// be applied, only validated, so that its other problems are reported with them.
/// </summary>
public sealed record DecodeResult(ResourceKind? Kind, IKubernetesObject<V1ObjectMeta>? Object, IReadOnlyList<FieldError> Errors, IKubernetesObject<V1ObjectMeta>? Partial = null)
{
    public bool Ok => Object is not null && Errors.Count == 0;
}

/// <summary>
/// Turns a JSON object (from a manifest or an API request body) into a typed resource, strictly:
/// apiVersion and kind must name a served kind, every member must be a field of the Kubernetes type
/// (exact, case-sensitive names) and every value must have the field's JSON type. All unknown fields and
/// type mismatches are reported at once with Kubernetes field paths ("spec.containers[0].ports[1].containerPort");
/// the object is deserialized only when the JSON is structurally clean (else, for validation alone, without the
/// members in error: <see cref="DecodeResult.Partial"/>).
/// </summary>
public static class ResourceDecoder
{
    public static DecodeResult Decode(JsonNode? node)
    {
        if (node is not JsonObject o) return new(null, null, [new FieldError("", $"expected an object, got {KindName(node)}")]);
        var errors = new List<FieldError>();
        var apiVersion = RequiredString(o, "apiVersion", errors);
        var kindName = RequiredString(o, "kind", errors);
        if (apiVersion is null || kindName is null) return new(null, null, errors);

        var kind = ResourceKinds.FindByKind(kindName);
        if (kind is null && ResourceKinds.Superseded.TryGetValue(kindName, out var replacement))
        {
            return new(null, null, [new FieldError("kind", $"kind \"{kindName}\" is not served: {replacement}")]);
        }
        if (kind is null)
        {
            var known = string.Join(", ", ResourceKinds.All.Select(k => k.Kind));
            return new(null, null, [new FieldError("kind", $"unknown kind \"{kindName}\"; known kinds: {known}")]);
        }
        if (!kind.AcceptsApiVersion(apiVersion))
        {
            var accepted = string.Join(", ", AcceptedApiVersions(kind).Select(v => $"\"{v}\""));
            return new(kind, null, [new FieldError("apiVersion", $"kind {kind.Kind} is not served in apiVersion \"{apiVersion}\"; accepted: {accepted}")]);
        }

        Walk(o, JsonShapes.Of(kind.Type), "", errors);
        if (errors.Count > 0) return new(kind, null, errors, WithoutErrors(kind, o));
        try
        {
            return new(kind, ResourceJson.Deserialize(kind, o), []);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            var path = e is JsonException je ? KubernetesPath(je.Path) : "";
            return new(kind, null, [new FieldError(path, e.Message)]);
        }
    }

    /// <summary>
    /// The object decoded from a copy of <paramref name="o"/> without the members the walk found in error (unknown, of
    /// the wrong type or out of range); null when one is an array element (removing it would renumber the rest) or
    /// the copy does not decode.
    /// </summary>
    private static IKubernetesObject<V1ObjectMeta>? WithoutErrors(ResourceKind kind, JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        var pruning = new Pruning();
        Walk(copy, JsonShapes.Of(kind.Type), "", [], pruning);
        if (pruning.Impossible) return null;
        foreach (var (parent, name) in pruning.Members) parent.Remove(name);
        try
        {
            return ResourceJson.Deserialize(kind, copy);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>What a walk found in error, to be removed from the walked copy: members of objects (and maps).</summary>
    private sealed class Pruning
    {
        public List<(JsonObject Parent, string Name)> Members { get; } = [];

        /// <summary>An element of an array, or the root, was in error.</summary>
        public bool Impossible { get; set; }

        /// <summary>Containers of the right type: the errors within them are their members', noted one by one.</summary>
        private readonly HashSet<JsonNode> _checkedInside = new(ReferenceEqualityComparer.Instance);

        public void Remove(JsonNode? parent, string? name)
        {
            if (parent is JsonObject o && name is not null) Members.Add((o, name));
            else Impossible = true;
        }

        public void CheckedInside(JsonNode container) => _checkedInside.Add(container);

        public bool WasCheckedInside(JsonNode? node) => node is not null && _checkedInside.Contains(node);
    }

    /// <summary>Every apiVersion a kind is accepted in, the stored one first.</summary>
    public static IEnumerable<string> AcceptedApiVersions(ResourceKind kind)
    {
        yield return kind.ApiVersion;
        foreach (var v in kind.AlsoAcceptedVersions) yield return kind.Group.Length == 0 ? v : $"{kind.Group}/{v}";
    }

    private static string? RequiredString(JsonObject o, string name, List<FieldError> errors)
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null)
        {
            errors.Required(name);
            return null;
        }
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            if (s.Length > 0) return s;
            errors.Required(name);
            return null;
        }
        errors.Add(new FieldError(name, $"expected string, got {KindName(n)}"));
        return null;
    }

    /// <summary>
    /// Checks <paramref name="node"/> against <paramref name="shape"/>, adding an error per problem; with
    /// <paramref name="pruning"/>, also notes each member in error (<paramref name="name"/> of <paramref name="parent"/>
    /// for the node itself).
    /// </summary>
    private static void Walk(JsonNode? node, JsonShape shape, string path, List<FieldError> errors, Pruning? pruning = null, JsonNode? parent = null, string? name = null)
    {
        var before = errors.Count;
        WalkNode(node, shape, path, errors, pruning);
        if (errors.Count > before && pruning is not null && !pruning.WasCheckedInside(node)) pruning.Remove(parent, name);
    }

    private static void WalkNode(JsonNode? node, JsonShape shape, string path, List<FieldError> errors, Pruning? pruning)
    {
        if (node is null)
        {
            if (!shape.AcceptsNull) errors.Add(new FieldError(path, $"expected {Expected(shape)}, got null"));
            return;
        }
        switch (shape.Kind)
        {
            case ShapeKind.Any:
                return;
            case ShapeKind.Object:
                if (node is not JsonObject obj)
                {
                    Mismatch(node, shape, path, errors);
                    return;
                }
                foreach (var (name, child) in obj)
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (shape.Properties.TryGetValue(name, out var childType)) Walk(child, JsonShapes.Of(childType), childPath, errors, pruning, obj, name);
                    else if (!shape.HasExtensionData)
                    {
                        errors.Add(new FieldError(childPath, $"unknown field \"{name}\""));
                        pruning?.Remove(obj, name);
                    }
                }
                pruning?.CheckedInside(obj);
                return;
            case ShapeKind.Array:
                if (node is not JsonArray arr)
                {
                    Mismatch(node, shape, path, errors);
                    return;
                }
                var element = JsonShapes.Of(shape.Element!);
                for (var i = 0; i < arr.Count; i++) Walk(arr[i], element, FieldPath.Index(path, i), errors, pruning, arr, null);
                pruning?.CheckedInside(arr);
                return;
            case ShapeKind.Map:
                if (node is not JsonObject map)
                {
                    Mismatch(node, shape, path, errors);
                    return;
                }
                var value = JsonShapes.Of(shape.Element!);
                foreach (var (key, child) in map) Walk(child, value, FieldPath.Key(path, key), errors, pruning, map, key);
                pruning?.CheckedInside(map);
                return;
            default:
                WalkLeaf(node, shape, path, errors);
                return;
        }
    }

    private static void WalkLeaf(JsonNode node, JsonShape shape, string path, List<FieldError> errors)
    {
        if (node is not JsonValue v)
        {
            Mismatch(node, shape, path, errors);
            return;
        }
        var kind = v.GetValueKind();
        switch (shape.Kind)
        {
            case ShapeKind.String:
                if (kind != JsonValueKind.String) Mismatch(node, shape, path, errors);
                return;
            case ShapeKind.Bool:
                if (kind is not (JsonValueKind.True or JsonValueKind.False)) Mismatch(node, shape, path, errors);
                return;
            case ShapeKind.Number:
                if (kind != JsonValueKind.Number) Mismatch(node, shape, path, errors);
                return;
            case ShapeKind.Integer:
                CheckInteger(v, kind, shape, path, errors);
                return;
            case ShapeKind.IntOrString:
                if (kind == JsonValueKind.String) return;
                if (kind == JsonValueKind.Number && v.TryGetValue<long>(out var n))
                {
                    if (n is < int.MinValue or > int.MaxValue) errors.Add(new FieldError(path, $"value {n} is out of range for a 32-bit integer"));
                    return;
                }
                errors.Add(new FieldError(path, $"expected integer or string, got {KindName(node)}"));
                return;
            case ShapeKind.Quantity:
                if (kind is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    errors.Add(new FieldError(path, $"expected quantity (string or number), got {KindName(node)}"));
                    return;
                }
                var text = kind == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                if (!IsQuantity(text)) errors.Add(new FieldError(path, $"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"{text}\""));
                return;
            case ShapeKind.DateTime:
                if (kind != JsonValueKind.String) Mismatch(node, shape, path, errors);
                else if (!DateTimeOffset.TryParse(v.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                {
                    errors.Add(new FieldError(path, $"expected an RFC 3339 timestamp, got \"{v.GetValue<string>()}\""));
                }
                return;
            case ShapeKind.Bytes:
                if (kind != JsonValueKind.String) Mismatch(node, shape, path, errors);
                else if (!IsBase64(v.GetValue<string>())) errors.Add(new FieldError(path, "illegal base64 data: expected a base64-encoded string"));
                return;
        }
    }

    private static void CheckInteger(JsonValue v, JsonValueKind kind, JsonShape shape, string path, List<FieldError> errors)
    {
        if (kind != JsonValueKind.Number)
        {
            Mismatch(v, shape, path, errors);
            return;
        }
        if (!v.TryGetValue<long>(out var n))
        {
            // Element-backed values (from JSON text) answer TryGetValue<long> false for 1.5 and for huge numbers alike.
            errors.Add(new FieldError(path, $"expected integer, got number {v.ToJsonString()}"));
            return;
        }
        if (n < shape.Min || n > shape.Max) errors.Add(new FieldError(path, $"value {n} is out of range for this integer field ({shape.Min}..{shape.Max})"));
    }

    private static bool IsBase64(string s)
    {
        if (s.Length == 0) return true;
        var buffer = s.Length <= 1024 ? stackalloc byte[s.Length] : new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }

    private static bool IsQuantity(string s)
    {
        try
        {
            _ = new ResourceQuantity(s).ToInt64();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static void Mismatch(JsonNode node, JsonShape shape, string path, List<FieldError> errors) =>
        errors.Add(new FieldError(path, $"expected {Expected(shape)}, got {KindName(node)}"));

    private static string Expected(JsonShape shape) => shape.Kind switch
    {
        ShapeKind.Object or ShapeKind.Map => "object",
        ShapeKind.Array => "array",
        ShapeKind.String or ShapeKind.DateTime or ShapeKind.Bytes => "string",
        ShapeKind.Bool => "boolean",
        ShapeKind.Integer => "integer",
        ShapeKind.Number => "number",
        ShapeKind.IntOrString => "integer or string",
        ShapeKind.Quantity => "quantity",
        _ => "value",
    };

    internal static string KindName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Null => "null",
            _ => "value",
        },
        _ => "value",
    };

    /// <summary>"$.spec.ports[0].port" (System.Text.Json) to "spec.ports[0].port".</summary>
    private static string KubernetesPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath)) return "";
        var p = jsonPath.StartsWith('$') ? jsonPath[1..] : jsonPath;
        return p.StartsWith('.') ? p[1..] : p;
    }
}
