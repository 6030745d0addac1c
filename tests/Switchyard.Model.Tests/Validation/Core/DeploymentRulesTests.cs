using k8s.Models;
using static Switchyard.Model.Tests.Validation.Core.CoreRulesTestKit;

namespace Switchyard.Model.Tests.Validation.Core;

public sealed class DeploymentRulesTests
{
    private const string Head = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n";
    private const string Template = "  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: i}]\n";

    [Fact]
    public void Default_Minimal_KubernetesDefaults()
    {
        var d = Object<V1Deployment>(Head + "spec:\n  selector: {matchLabels: {app: d}}\n" + Template);
        Assert.Equal(1, d.Spec.Replicas);
        Assert.Equal("RollingUpdate", d.Spec.Strategy.Type);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal(10, d.Spec.RevisionHistoryLimit);
        Assert.Equal(600, d.Spec.ProgressDeadlineSeconds);
        Assert.Equal("Always", d.Spec.Template.Spec.RestartPolicy);
    }

    [Fact]
    public void Validate_SelectorMissing_Required()
    {
        Assert.Equal(["spec.selector: Required value"], Errors(Head + "spec:\n" + Template));
    }

    [Fact]
    public void Validate_SelectorDoesNotMatchTemplate_Invalid()
    {
        Assert.Equal(["spec.template.metadata.labels: Invalid value: \"app=d\": `selector` does not match template `labels`"],
            Errors(Head + "spec:\n  selector: {matchLabels: {app: other}}\n" + Template));
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        Assert.Equal(
        [
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.template.spec.containers[0].image: Required value",
        ], Errors(Head + "spec:\n  replicas: -1\n  strategy:\n    rollingUpdate: {maxSurge: 0, maxUnavailable: 0}\n  selector:\n    matchExpressions: [{key: app, operator: In}]\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c}]\n"));
    }

    [Fact]
    public void Validate_RecreateWithRollingUpdate_Forbidden()
    {
        Assert.Equal(["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
            Errors(Head + "spec:\n  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n  selector: {matchLabels: {app: d}}\n" + Template));
    }

    [Fact]
    public void Validate_BadPercent_Invalid()
    {
        Assert.Equal(["spec.strategy.rollingUpdate.maxSurge: Invalid value: \"ten%\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')"],
            Errors(Head + "spec:\n  strategy: {rollingUpdate: {maxSurge: ten%}}\n  selector: {matchLabels: {app: d}}\n" + Template));
    }

    [Fact]
    public void Validate_TemplateRestartPolicyNever_NotSupported()
    {
        Assert.Equal(["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""],
            Errors(Head + "spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: i}]\n"));
    }
}
