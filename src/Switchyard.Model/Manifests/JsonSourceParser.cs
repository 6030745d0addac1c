using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchyard.Model.Manifests;

/// <summary>
/// Parses JSON text (one value, or a stream of concatenated values as "kubectl get -o json" writes
/// several) into JSON trees, keeping the line of every member. Duplicate member names are errors.
/// </summary>
internal sealed class JsonSourceParser
{
    private readonly byte[] _utf8;
    private readonly int[] _lineStarts;
    private LineMap _lines = new();
    private List<SourceProblem> _problems = [];

    private JsonSourceParser(byte[] utf8)
    {
        _utf8 = utf8;
        var starts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n') starts.Add(i + 1);
        }
        _lineStarts = [.. starts];
    }

    public static ParsedSource Parse(string text) => new JsonSourceParser(Encoding.UTF8.GetBytes(text)).ParseAll();

    private ParsedSource ParseAll()
    {
        var documents = new List<SourceDocument>();
        var reader = new Utf8JsonReader(_utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                _lines = new LineMap();
                _problems = [];
                var root = ReadValue(ref reader, "");
                documents.Add(new SourceDocument(root, _lines.Root, _lines, _problems));
            }
            return new ParsedSource(documents, null);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? (int)l + 1 : 0;
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut].TrimEnd('.', ' ');
            return new ParsedSource(documents, new SourceProblem(line, $"json: {message}"));
        }
    }

    private int LineOf(long offset)
    {
        var i = Array.BinarySearch(_lineStarts, (int)offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    private JsonNode? ReadValue(ref Utf8JsonReader reader, string path)
    {
        _lines.Record(path, LineOf(reader.TokenStartIndex));
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var obj = new JsonObject();
                    var keyLines = new Dictionary<string, int>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var name = reader.GetString()!;
                        var line = LineOf(reader.TokenStartIndex);
                        reader.Read();
                        var childPath = path.Length == 0 ? name : $"{path}.{name}";
                        if (keyLines.TryGetValue(name, out var first))
                        {
                            _problems.Add(new SourceProblem(line, $"duplicate member \"{name}\" (first at line {first})"));
                            reader.Skip();
                            continue;
                        }
                        keyLines[name] = line;
                        _lines.Record(childPath, line);
                        obj[name] = ReadValue(ref reader, childPath);
                    }
                    return obj;
                }
            case JsonTokenType.StartArray:
                {
                    var array = new JsonArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        array.Add(ReadValue(ref reader, $"{path}[{array.Count.ToString(CultureInfo.InvariantCulture)}]"));
                    }
                    return array;
                }
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l)) return JsonValue.Create(l);
                return JsonValue.Create(reader.GetDouble());
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            default:
                return null;
        }
    }
}
