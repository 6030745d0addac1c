using k8s.Models;
using Switchyard.Model.Selectors;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Tests.Selectors;

public sealed class SelectorTests
{
    private static Dictionary<string, string> L(params string[] kv) =>
        kv.Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1]);

    private static Selector Parse(string text)
    {
        var r = Selector.Parse(text);
        Assert.True(r.Ok, string.Join("; ", r.Errors));
        return r.Selector!;
    }

    [Theory]
    [InlineData("env in (prod,staging)", "env=prod", true)]
    [InlineData("env in (prod,staging)", "env=dev", false)]
    [InlineData("env in (prod,staging)", "", false)]
    [InlineData("env notin (prod)", "env=dev", true)]
    [InlineData("env notin (prod)", "env=prod", false)]
    [InlineData("env notin (prod)", "", true)]
    [InlineData("env", "env=x", true)]
    [InlineData("env", "", false)]
    [InlineData("!env", "", true)]
    [InlineData("!env", "env=x", false)]
    [InlineData("app=web,tier!=db", "app=web", true)]
    [InlineData("app==web,tier!=db", "app=web,tier=db", false)]
    [InlineData("", "a=b", true)]
    public void Parse_Matches_KubernetesSemantics(string selector, string labels, bool expected)
    {
        var dict = labels.Length == 0 ? new Dictionary<string, string>() : L(labels.Split(','));
        Assert.Equal(expected, Parse(selector).Matches(dict));
    }

    [Theory]
    [InlineData("env in ()")]
    [InlineData("env in prod")]
    [InlineData("a=b,,c=d")]
    [InlineData("-bad=x")]
    [InlineData("a=b c")]
    [InlineData("n>x")]
    public void Parse_BadSyntax_Errors(string text)
    {
        var r = Selector.Parse(text);
        Assert.False(r.Ok);
        Assert.NotEmpty(r.Errors);
    }

    [Fact]
    public void FromLabelSelector_MatchLabelsAndExpressions_AllMustHold()
    {
        var s = Selector.FromLabelSelector(new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["fe"] }],
        });
        Assert.True(s.Matches(L("app=web", "tier=fe")));
        Assert.False(s.Matches(L("app=web", "tier=be")));
        Assert.False(s.Matches(L("tier=fe")));
    }

    [Fact]
    public void FromLabelSelector_Empty_MatchesEverything()
    {
        var s = Selector.FromLabelSelector(new V1LabelSelector());
        Assert.True(s.IsEverything);
        Assert.True(s.Matches(null));
    }

    [Fact]
    public void FromLabelSelector_UnknownOperator_MatchesNothing()
    {
        var s = Selector.FromLabelSelector(new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "a", OperatorProperty = "Like" }] });
        Assert.True(s.IsNothing);
        Assert.False(s.Matches(L("a=b")));
    }

    [Fact]
    public void ValidateLabelSelector_OperatorRules_AllReported()
    {
        var errors = new List<FieldError>();
        MetadataRules.ValidateLabelSelector(new V1LabelSelector
        {
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "a", OperatorProperty = "In" },
                new V1LabelSelectorRequirement { Key = "b", OperatorProperty = "Exists", Values = ["x"] },
                new V1LabelSelectorRequirement { Key = "c", OperatorProperty = "Like" },
                new V1LabelSelectorRequirement { Key = "-d", OperatorProperty = "DoesNotExist" },
            ],
        }, "spec.podSelector", errors);
        Assert.Equal(
        [
            "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.podSelector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "spec.podSelector.matchExpressions[2].operator: Unsupported value: \"Like\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
            "spec.podSelector.matchExpressions[3].key: Invalid value: \"-d\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')",
        ], errors.Select(e => e.ToString()));
    }
}
