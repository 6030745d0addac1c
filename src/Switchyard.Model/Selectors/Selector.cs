using k8s.Models;

namespace Switchyard.Model.Selectors;

/// <summary>
/// A compiled label selector: every requirement must hold (AND). An empty selector matches
/// everything; <see cref="Nothing"/> matches nothing. Whether an <em>absent</em> selector means
/// "everything" or "nothing" depends on the API field, so callers decide that before compiling.
/// </summary>
public sealed class Selector
{
    private readonly Requirement[] _requirements;
    private readonly bool _matchesNothing;

    private Selector(Requirement[] requirements, bool matchesNothing)
    {
        _requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    public static Selector Everything { get; } = new([], matchesNothing: false);
    public static Selector Nothing { get; } = new([], matchesNothing: true);

    public IReadOnlyList<Requirement> Requirements => _requirements;
    public bool IsEverything => !_matchesNothing && _requirements.Length == 0;
    public bool IsNothing => _matchesNothing;

    public static Selector Of(params Requirement[] requirements) => new(requirements, matchesNothing: false);

    /// <summary>Selector for a plain map such as Service.spec.selector: every pair must match.</summary>
    public static Selector FromMap(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? Everything
            : new(labels.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new Requirement(p.Key, SelectorOperator.Equals, [p.Value])).ToArray(), matchesNothing: false);

    /// <summary>
    /// Compiles a metav1.LabelSelector: matchLabels AND matchExpressions. An empty (non-null)
    /// selector matches everything. The selector must already be valid (see <c>MetadataRules.ValidateLabelSelector</c>);
    /// an unknown operator compiles to <see cref="Nothing"/> so that bad input never widens a match.
    /// </summary>
    public static Selector FromLabelSelector(V1LabelSelector selector)
    {
        var requirements = new List<Requirement>();
        if (selector.MatchLabels is not null)
        {
            foreach (var (key, value) in selector.MatchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                requirements.Add(new Requirement(key, SelectorOperator.Equals, [value]));
            }
        }
        foreach (var expr in selector.MatchExpressions ?? [])
        {
            SelectorOperator? op = expr.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => null,
            };
            if (op is null) return Nothing;
            requirements.Add(new Requirement(expr.Key, op.Value, [.. expr.Values ?? []]));
        }
        return new Selector([.. requirements], matchesNothing: false);
    }

    public bool Matches(IDictionary<string, string>? labels)
    {
        if (_matchesNothing) return false;
        foreach (var r in _requirements)
        {
            if (!r.Matches(labels)) return false;
        }
        return true;
    }

    /// <summary>
    /// Parses the label selector syntax of kubectl's -l and the API's labelSelector parameter:
    /// comma-separated requirements <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
    /// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, <c>k&gt;n</c>, <c>k&lt;n</c>.
    /// </summary>
    public static SelectorParseResult Parse(string? text) => SelectorParser.Parse(text);

    public override string ToString() =>
        _matchesNothing ? "<nothing>" : _requirements.Length == 0 ? "<everything>" : string.Join(",", _requirements.Select(r => r.ToString()));
}

/// <summary>Either a selector or the reasons the text is not one.</summary>
public sealed record SelectorParseResult(Selector? Selector, IReadOnlyList<string> Errors)
{
    public bool Ok => Selector is not null;
}
