using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Switchyard.Model.Manifests;

/// <summary>
/// Parses YAML (one or more documents) into JSON trees, keeping the start line of every node.
/// Plain scalars are typed by the YAML 1.2 core schema (null, booleans, integers, floats); quoted and
/// block scalars are strings. Duplicate mapping keys are errors; anchors, aliases and merge keys ("&lt;&lt;") work.
/// A syntax error ends parsing of the text; documents completed before it are kept.
/// </summary>
internal sealed class YamlSourceParser
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    private readonly IParser _parser;
    private readonly Dictionary<string, JsonNode?> _anchors = new(StringComparer.Ordinal);
    private LineMap _lines = new();
    private List<SourceProblem> _problems = [];

    private YamlSourceParser(TextReader reader) => _parser = new Parser(reader);

    public static ParsedSource Parse(string text) => new YamlSourceParser(new StringReader(text)).ParseAll();

    private ParsedSource ParseAll()
    {
        var documents = new List<SourceDocument>();
        try
        {
            _parser.Consume<StreamStart>();
            while (!_parser.TryConsume<StreamEnd>(out _))
            {
                _parser.Consume<DocumentStart>();
                _anchors.Clear();
                _lines = new LineMap();
                _problems = [];
                var line = Line(_parser.Current!);
                var root = _parser.Accept<DocumentEnd>(out _) ? null : ReadNode("");
                _parser.Consume<DocumentEnd>();
                documents.Add(new SourceDocument(root, root is null ? line : _lines.Root, _lines, _problems));
            }
            return new ParsedSource(documents, null);
        }
        catch (YamlException e)
        {
            var line = e.Start.Line > 0 ? (int)e.Start.Line : 0;
            return new ParsedSource(documents, new SourceProblem(line, $"yaml: {Describe(e)}"));
        }
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, Idx: z) - (...): "; keep only the explanation.
        var m = e.Message;
        var at = m.LastIndexOf("): ", StringComparison.Ordinal);
        return at >= 0 ? m[(at + 3)..] : m;
    }

    private static int Line(ParsingEvent e) => (int)e.Start.Line;

    private JsonNode? ReadNode(string path)
    {
        var current = _parser.Current ?? throw new YamlException("unexpected end of input");
        _lines.Record(path, Line(current));
        switch (current)
        {
            case AnchorAlias alias:
                _parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new SemanticErrorException(alias.Start, alias.End, $"unknown anchor \"{alias.Value.Value}\"");
                }
                return target?.DeepClone();
            case Scalar scalar:
                _parser.MoveNext();
                return Remember(scalar, ToValue(scalar));
            case SequenceStart seq:
                {
                    _parser.MoveNext();
                    var array = new JsonArray();
                    Remember(seq, array);
                    while (!_parser.TryConsume<SequenceEnd>(out _))
                    {
                        array.Add(ReadNode($"{path}[{array.Count.ToString(CultureInfo.InvariantCulture)}]"));
                    }
                    return array;
                }
            case MappingStart map:
                {
                    _parser.MoveNext();
                    var obj = new JsonObject();
                    Remember(map, obj);
                    ReadMapping(obj, path);
                    return obj;
                }
            default:
                throw new SemanticErrorException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private void ReadMapping(JsonObject obj, string path)
    {
        var keyLines = new Dictionary<string, int>(StringComparer.Ordinal);
        List<JsonObject>? merges = null;
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            var keyEvent = _parser.Current!;
            if (keyEvent is not Scalar keyScalar)
            {
                _problems.Add(new SourceProblem(Line(keyEvent), "mapping keys must be scalars"));
                SkipNode();
                SkipNode();
                continue;
            }
            _parser.MoveNext();
            var key = keyScalar.Value;
            var line = Line(keyScalar);
            if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
            {
                var merged = ReadNode(path);
                merges ??= [];
                if (merged is JsonObject one) merges.Add(one);
                else if (merged is JsonArray many && many.All(m => m is JsonObject)) merges.AddRange(many.Cast<JsonObject>());
                else _problems.Add(new SourceProblem(line, "map merge requires a mapping or a list of mappings"));
                continue;
            }
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (keyLines.TryGetValue(key, out var first))
            {
                _problems.Add(new SourceProblem(line, $"mapping key \"{key}\" already defined at line {first}"));
                SkipNode();
                continue;
            }
            keyLines[key] = line;
            // A field's line is its key's line, also when its value starts on the next line.
            _lines.Record(childPath, line);
            var value = ReadNode(childPath);
            obj[key] = value;
        }
        if (merges is null) return;
        foreach (var m in merges)
        {
            foreach (var (k, v) in m)
            {
                if (!obj.ContainsKey(k)) obj[k] = v?.DeepClone();
            }
        }
    }

    private void SkipNode()
    {
        var depth = 0;
        do
        {
            switch (_parser.Current)
            {
                case SequenceStart or MappingStart: depth++; break;
                case SequenceEnd or MappingEnd: depth--; break;
            }
            _parser.MoveNext();
        }
        while (depth > 0);
    }

    private JsonNode? Remember(NodeEvent e, JsonNode? node)
    {
        if (!e.Anchor.IsEmpty) _anchors[e.Anchor.Value] = node;
        return node;
    }

    private static JsonNode? ToValue(Scalar s)
    {
        var tag = s.Tag.IsEmpty || s.Tag.IsNonSpecific ? null : s.Tag.Value;
        if (tag is not null)
        {
            if (tag.StartsWith(TagPrefix, StringComparison.Ordinal)) tag = tag[TagPrefix.Length..];
            switch (tag)
            {
                case "str": return JsonValue.Create(s.Value);
                case "null": return null;
                case "bool" or "int" or "float": return YamlScalar.Resolve(s.Value) ?? JsonValue.Create(s.Value);
                default: return JsonValue.Create(s.Value);
            }
        }
        if (s.Style != ScalarStyle.Plain || s.Tag.IsNonSpecific) return JsonValue.Create(s.Value);
        return YamlScalar.Resolve(s.Value);
    }
}
