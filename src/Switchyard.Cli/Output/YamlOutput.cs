using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Switchyard.Cli.Output;

/// <summary>
/// Writes JSON as block-style YAML that reads back to the same JSON: numbers, booleans and nulls stay
/// plain; strings that a YAML reader would take for something else ("true", "80", "1e3", "null", "",
/// "2024-01-01") are double-quoted; multi-line strings use literal blocks.
/// </summary>
internal static partial class YamlOutput
{
    public static string Write(JsonNode? node)
    {
        var writer = new StringWriter { NewLine = "\n" };
        Write(node, writer);
        return writer.ToString();
    }

    public static void Write(JsonNode? node, TextWriter writer)
    {
        var emitter = new Emitter(writer, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false,
            maxSimpleKeyLength: 1024, skipAnchorName: false, indentSequences: false));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject o:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, o.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in o)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray a:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, a.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in a) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue v:
                EmitValue(emitter, v);
                break;
        }
    }

    private static void EmitValue(IEmitter emitter, JsonValue v)
    {
        switch (v.GetValueKind())
        {
            case JsonValueKind.String:
                EmitString(emitter, v.GetValue<string>());
                break;
            case JsonValueKind.Number:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, v.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
            case JsonValueKind.True:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "true", ScalarStyle.Plain, true, false));
                break;
            case JsonValueKind.False:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "false", ScalarStyle.Plain, true, false));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string s)
    {
        var style = NeedsQuotes(s) ? ScalarStyle.DoubleQuoted
            : s.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal
            : ScalarStyle.Plain;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, s, style, true, true));
    }

    /// <summary>True when a plain scalar with this text would not read back as this string.</summary>
    internal static bool NeedsQuotes(string s)
    {
        if (s.Length == 0) return true;
        if (s != s.Trim()) return true;
        if (Reserved.Contains(s)) return true;
        if (NumberLike().IsMatch(s)) return true;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", "+.inf", ".nan", "<<", "=",
    };

    /// <summary>Anything starting like a number (ints, octal/hex, floats, sexagesimal, dates, times).</summary>
    [GeneratedRegex(@"^[-+]?(\.?[0-9]|0[xob])")]
    private static partial Regex NumberLike();
}
