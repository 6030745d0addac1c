namespace Switchyard.Model.Selectors;

/// <summary>Parser for the textual label selector syntax (kubectl -l, ?labelSelector=).</summary>
internal static class SelectorParser
{
    public static SelectorParseResult Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new(Selector.Everything, []);
        var errors = new List<string>();
        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                errors.Add($"empty requirement in selector \"{text}\"");
                continue;
            }
            var r = ParseTerm(term, errors);
            if (r is not null) requirements.Add(r);
        }
        return errors.Count > 0 ? new(null, errors) : new(Selector.Of([.. requirements]), []);
    }

    private static Requirement? ParseTerm(string term, List<string> errors)
    {
        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return CheckKey(key, term, errors) ? new Requirement(key, SelectorOperator.DoesNotExist, []) : null;
        }
        var words = term.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2 && (words[1].StartsWith("in", StringComparison.Ordinal) || words[1].StartsWith("notin", StringComparison.Ordinal)))
        {
            var notIn = words[1].StartsWith("notin", StringComparison.Ordinal);
            var rest = words[1][(notIn ? 5 : 2)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                errors.Add($"\"{term}\": expected a parenthesized value list after '{(notIn ? "notin" : "in")}'");
                return null;
            }
            var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries);
            if (values.Length == 0 || values.Any(v => v.Length == 0 && values.Length == 1))
            {
                errors.Add($"\"{term}\": the value list must not be empty");
                return null;
            }
            foreach (var v in values) CheckValue(v, term, errors);
            return CheckKey(words[0], term, errors)
                ? new Requirement(words[0], notIn ? SelectorOperator.NotIn : SelectorOperator.In, values)
                : null;
        }
        foreach (var (token, op) in Operators)
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at < 0) continue;
            var key = term[..at].Trim();
            var value = term[(at + token.Length)..].Trim();
            if (!CheckKey(key, term, errors)) return null;
            if (op is SelectorOperator.GreaterThan or SelectorOperator.LessThan)
            {
                if (!long.TryParse(value, out _))
                {
                    errors.Add($"\"{term}\": '{token}' needs an integer value");
                    return null;
                }
            }
            else if (!CheckValue(value, term, errors))
            {
                return null;
            }
            return new Requirement(key, op, [value]);
        }
        return CheckKey(term, term, errors) ? new Requirement(term, SelectorOperator.Exists, []) : null;
    }

    // Longest tokens first so "==" and "!=" win over "=".
    private static readonly (string Token, SelectorOperator Op)[] Operators =
    [
        ("!=", SelectorOperator.NotEquals), ("==", SelectorOperator.Equals), ("=", SelectorOperator.Equals),
        (">", SelectorOperator.GreaterThan), ("<", SelectorOperator.LessThan),
    ];

    private static bool CheckKey(string key, string term, List<string> errors)
    {
        var problems = Validation.KubernetesNames.ValidateQualifiedName(key);
        foreach (var p in problems) errors.Add($"\"{term}\": key \"{key}\": {p}");
        return problems.Count == 0;
    }

    private static bool CheckValue(string value, string term, List<string> errors)
    {
        var problems = Validation.KubernetesNames.ValidateLabelValue(value);
        foreach (var p in problems) errors.Add($"\"{term}\": value \"{value}\": {p}");
        return problems.Count == 0;
    }

    /// <summary>Splits on commas that are not inside a parenthesized value list.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(': depth++; break;
                case ')': depth--; break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }
}
