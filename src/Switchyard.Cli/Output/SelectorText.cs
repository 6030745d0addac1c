using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output;

/// <summary>Renders a metav1.LabelSelector in the selector syntax of -l: "app=web,tier in (a,b),!canary".</summary>
internal static class SelectorText
{
    /// <summary>A metav1.LabelSelector in selector syntax (matchLabels, then matchExpressions).</summary>
    public static string Of(JsonNode? selector)
    {
        var parts = selector.Map("matchLabels").Select(p => $"{p.Key}={p.Value}").ToList();
        foreach (var e in selector.Items("matchExpressions"))
        {
            var key = e.Str("key");
            var values = string.Join(",", e.Items("values").Select(v => v is JsonValue jv ? Json.ScalarText(jv) : ""));
            parts.Add(e.Str("operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => $"{key}",
                "DoesNotExist" => $"!{key}",
                var op => $"{key} {op} ({values})",
            });
        }
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }
}
