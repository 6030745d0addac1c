using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Manifests;

/// <summary>
/// Reads manifests the way kubectl's -f does: files, directories (recursively, .yaml/.yml/.json, sorted
/// by path; entries whose names start with a dot skipped, such as the <c>..data</c> and timestamped directories a
/// mounted ConfigMap or Secret keeps beside its files, an editor's temporary files, .git) and "-" for standard input; YAML multi-document streams, JSON (one value or a stream) and
/// <c>kind: List</c> (items flattened). Each object is decoded strictly, given its namespace, defaulted and
/// validated; every problem is reported with the file, the line of the field, the object and the field path.
/// Reading never stops at the first problem; deciding to apply nothing on error is the caller's job.
/// </summary>
public sealed class ManifestReader
{
    /// <summary>Name used for standard input in messages.</summary>
    public const string StdinName = "<stdin>";

    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>
    /// Every level of a directory, without hidden entries (on Unix, names starting with a dot): a ConfigMap volume's
    /// files are links into its <c>..data</c> directory, which would otherwise be read a second and a third time.
    /// A subdirectory that cannot be read is an error, not skipped.
    /// </summary>
    private static readonly EnumerationOptions DirectoryEntries = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.Hidden,
        IgnoreInaccessible = false,
    };

    private readonly ManifestReaderOptions _options;

    public ManifestReader(ManifestReaderOptions? options = null) => _options = options ?? new ManifestReaderOptions();

    /// <summary>Reads every path (file, directory or "-") and checks for duplicate objects across all of them.</summary>
    public ManifestReadResult Read(IEnumerable<string> paths)
    {
        var objects = new List<ManifestObject>();
        var errors = new List<ManifestError>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                ReadSource(StdinName, _options.Stdin().ReadToEnd(), json: null, objects, errors);
            }
            else if (Directory.Exists(path))
            {
                List<string> files;
                try
                {
                    files = [.. Directory.EnumerateFiles(path, "*", DirectoryEntries)
                        .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal)];
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A subdirectory that cannot be read, or the directory gone while it was listed.
                    errors.Add(new ManifestError(path, 0, null, "", e.Message));
                    continue;
                }
                foreach (var f in files) ReadFile(f, objects, errors);
            }
            else if (File.Exists(path))
            {
                ReadFile(path, objects, errors);
            }
            else
            {
                errors.Add(new ManifestError(path, 0, null, "", "no such file or directory"));
            }
        }
        return Finish(objects, errors);
    }

    /// <summary>Reads one text (YAML, or JSON when <paramref name="json"/> is true; null: detect), named <paramref name="source"/> in messages.</summary>
    public ManifestReadResult ReadText(string source, string text, bool? json = null)
    {
        var objects = new List<ManifestObject>();
        var errors = new List<ManifestError>();
        ReadSource(source, text, json, objects, errors);
        return Finish(objects, errors);
    }

    private void ReadFile(string file, List<ManifestObject> objects, List<ManifestError> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ManifestError(file, 0, null, "", e.Message));
            return;
        }
        var ext = Path.GetExtension(file);
        bool? json = ext.Equals(".json", StringComparison.OrdinalIgnoreCase) ? true
            : ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase) ? false
            : null;
        ReadSource(file, text, json, objects, errors);
    }

    private void ReadSource(string source, string text, bool? json, List<ManifestObject> objects, List<ManifestError> errors)
    {
        json ??= LooksLikeJson(text);
        var parsed = json.Value ? JsonSourceParser.Parse(text) : YamlSourceParser.Parse(text);
        foreach (var doc in parsed.Documents)
        {
            foreach (var p in doc.Problems) errors.Add(new ManifestError(source, p.Line, null, "", p.Message));
            if (doc.Root is null) continue;
            if (IsList(doc.Root, out var items, out var listError))
            {
                if (listError is not null)
                {
                    errors.Add(new ManifestError(source, doc.Lines.Find("items"), null, "items", listError));
                    continue;
                }
                for (var i = 0; i < items!.Count; i++)
                {
                    var lines = doc.Lines.Sub($"items[{i}]");
                    if (items[i] is null) continue;
                    AddObject(ReadObject(source, items[i]!, lines), objects, errors);
                }
            }
            else
            {
                AddObject(ReadObject(source, doc.Root, doc.Lines), objects, errors);
            }
        }
        if (parsed.Fatal is { } fatal) errors.Add(new ManifestError(source, fatal.Line, null, "", fatal.Message));
    }

    private static void AddObject(ManifestObject o, List<ManifestObject> objects, List<ManifestError> errors)
    {
        objects.Add(o);
        errors.AddRange(o.Errors);
    }

    private static bool LooksLikeJson(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c)) return c is '{' or '[';
        }
        return false;
    }

    /// <summary>A "kind: List" (or "PodList" etc.) with an items array.</summary>
    private static bool IsList(JsonNode root, out JsonArray? items, out string? error)
    {
        items = null;
        error = null;
        if (root is not JsonObject o || o["kind"] is not JsonValue k || k.GetValueKind() != JsonValueKind.String) return false;
        var kind = k.GetValue<string>();
        if (kind != "List" && !(kind.EndsWith("List", StringComparison.Ordinal) && ResourceKinds.FindByKind(kind[..^4]) is not null)) return false;
        switch (o["items"])
        {
            case JsonArray a: items = a; break;
            case null: items = []; break;
            default: error = $"expected array, got {ResourceDecoder.KindName(o["items"])}"; break;
        }
        return true;
    }

    private ManifestObject ReadObject(string source, JsonNode node, LineMap lines)
    {
        var decoded = ResourceDecoder.Decode(node);
        var fieldErrors = new List<FieldError>(decoded.Errors);
        var obj = decoded.Object;
        if (decoded.Ok && obj is not null)
        {
            AssignNamespace(decoded.Kind!, obj, fieldErrors);
            if (_options.Validate)
            {
                ResourceValidation.ApplyDefaults(obj);
                fieldErrors.AddRange(ResourceValidation.Validate(obj));
            }
        }
        else if (decoded.Partial is { } partial && _options.Validate)
        {
            // The object without its fields in error: its other problems are reported with them, all at once. A problem
            // at, inside or above a field that was left out may only be the leaving out, and is not reported.
            var more = new List<FieldError>();
            AssignNamespace(decoded.Kind!, partial, more);
            ResourceValidation.ApplyDefaults(partial);
            more.AddRange(ResourceValidation.Validate(partial));
            var structural = fieldErrors.Select(e => e.Path).ToList();
            fieldErrors.AddRange(more.Where(e => !structural.Any(path => Related(path, e.Path))));
        }
        var label = obj is not null ? Describe(decoded.Kind!, obj.Metadata?.NamespaceProperty, obj.Metadata?.Name) : DescribeRaw(node, decoded.Kind);
        var errors = fieldErrors
            .Select(e => new ManifestError(source, lines.Find(e.Path), label, e.Path, e.Message))
            .OrderBy(e => e.Line)
            .ToList();
        return new ManifestObject(source, lines.Root, decoded.Kind, errors.Count == 0 || decoded.Ok ? obj : null, errors);
    }

    /// <summary>Whether one field path is the other, or one is inside the other ("spec.ports" and "spec.ports[0].port").</summary>
    private static bool Related(string a, string b) => a.Length <= b.Length ? Within(a, b) : Within(b, a);

    private static bool Within(string outer, string inner) =>
        inner.StartsWith(outer, StringComparison.Ordinal) && (inner.Length == outer.Length || outer.Length == 0 || inner[outer.Length] is '.' or '[');

    private void AssignNamespace(ResourceKind kind, IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors)
    {
        if (!kind.Namespaced) return;
        obj.Metadata ??= new V1ObjectMeta();
        var ns = obj.Metadata.NamespaceProperty;
        if (string.IsNullOrEmpty(ns))
        {
            obj.Metadata.NamespaceProperty = _options.NamespaceOverride ?? _options.DefaultNamespace;
        }
        else if (_options.NamespaceOverride is { } over && over != ns)
        {
            errors.Add(new FieldError("metadata.namespace",
                $"the namespace from the provided object \"{ns}\" does not match the namespace \"{over}\"; pass --namespace={ns} or remove it from the object"));
        }
    }

    private static string Describe(ResourceKind kind, string? ns, string? name)
    {
        var n = string.IsNullOrEmpty(name) ? "(unnamed)" : name;
        return kind.Namespaced && !string.IsNullOrEmpty(ns) ? $"{kind.Kind} {ns}/{n}" : $"{kind.Kind} {n}";
    }

    /// <summary>Names an object that could not be decoded from what its JSON says.</summary>
    private string? DescribeRaw(JsonNode node, ResourceKind? kind)
    {
        if (node is not JsonObject o) return null;
        var kindName = kind?.Kind ?? StringAt(o, "kind");
        if (kindName is null) return null;
        var meta = o["metadata"] as JsonObject;
        var name = meta is null ? null : StringAt(meta, "name");
        var ns = meta is null ? null : StringAt(meta, "namespace");
        var namespaced = kind?.Namespaced ?? true;
        if (namespaced && string.IsNullOrEmpty(ns)) ns = _options.NamespaceOverride ?? _options.DefaultNamespace;
        var n = string.IsNullOrEmpty(name) ? "(unnamed)" : name;
        return namespaced ? $"{kindName} {ns}/{n}" : $"{kindName} {n}";
    }

    private static string? StringAt(JsonObject o, string key) =>
        o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Reports every object defined more than once (same kind, namespace and name) at its later definitions.</summary>
    private static ManifestReadResult Finish(List<ManifestObject> objects, List<ManifestError> errors)
    {
        var seen = new Dictionary<(string, string?, string), ManifestObject>();
        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            if (o.Object?.Metadata?.Name is not { Length: > 0 } name || o.Kind is null) continue;
            var key = (o.Kind.Key, o.Kind.Namespaced ? o.Object.Metadata.NamespaceProperty : null, name);
            if (seen.TryGetValue(key, out var first))
            {
                var e = new ManifestError(o.Source, o.Line, Describe(o.Kind, key.Item2, name), "",
                    $"duplicate object: already defined at {first.Source}:{first.Line}");
                objects[i] = o with { Errors = [.. o.Errors, e] };
                errors.Add(e);
            }
            else
            {
                seen[key] = o;
            }
        }
        return new ManifestReadResult(objects, errors);
    }
}
