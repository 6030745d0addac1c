using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output;

/// <summary>The -o/--output formats of get.</summary>
internal enum OutputFormat
{
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}

internal static class OutputFormats
{
    public static readonly string[] Names = ["wide", "json", "yaml", "name"];

    public static OutputFormat Parse(string? text) => text switch
    {
        "wide" => OutputFormat.Wide,
        "json" => OutputFormat.Json,
        "yaml" => OutputFormat.Yaml,
        "name" => OutputFormat.Name,
        _ => OutputFormat.Table,
    };

    /// <summary>A kubectl-style List holding the items (what -o json/yaml print for more than one object).</summary>
    public static JsonObject List(IEnumerable<JsonObject> items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
        ["items"] = new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]),
    };

    /// <summary>Serializes one object or List as JSON (indented, with a final newline) or YAML.</summary>
    public static string Serialize(JsonNode node, OutputFormat format) => format switch
    {
        OutputFormat.Json => node.ToJsonString(Json.Indented) + "\n",
        OutputFormat.Yaml => YamlOutput.Write(node),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "only json and yaml serialize objects"),
    };
}
