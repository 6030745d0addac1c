using k8s.Models;
using Switchyard.Control.Controllers.Deployments;

namespace Switchyard.Control.Tests.Controllers.Deployments;

public sealed class RolloutUnitTests
{
    [Theory]
    [InlineData("25%", 4, true, 1)]
    [InlineData("25%", 3, true, 1)]
    [InlineData("25%", 3, false, 0)]
    [InlineData("50%", 3, false, 1)]
    [InlineData("50%", 3, true, 2)]
    [InlineData("2", 10, false, 2)]
    [InlineData("0%", 10, true, 0)]
    [InlineData("110%", 10, true, 11)]
    public void Scaled_IntOrPercent_RoundsAsKubernetes(string value, int total, bool roundUp, int expected) =>
        Assert.Equal(expected, RolloutMath.Scaled(value, total, roundUp));

    [Fact]
    public void Resolve_BothRoundToZero_AllowsOneUnavailable()
    {
        var strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "0", MaxUnavailable = "10%" } };
        Assert.Equal((0, 1), RolloutMath.Resolve(strategy, 3));
    }

    [Fact]
    public void Compute_SameTemplateDifferentMapOrder_SameHash()
    {
        var a = Template(new() { ["app"] = "web", ["version"] = "v1" });
        var b = Template(new() { ["version"] = "v1", ["app"] = "web" });
        Assert.Equal(PodTemplateHash.Compute(a), PodTemplateHash.Compute(b));
    }

    [Fact]
    public void Compute_ChangedTemplateOrCollisionCount_DifferentHash()
    {
        var a = Template(new() { ["app"] = "web" });
        var b = Template(new() { ["app"] = "web" });
        b.Spec.Containers[0].Image = "demo:2";
        Assert.NotEqual(PodTemplateHash.Compute(a), PodTemplateHash.Compute(b));
        Assert.NotEqual(PodTemplateHash.Compute(a), PodTemplateHash.Compute(a, collisionCount: 1));
    }

    [Fact]
    public void Compute_AnyTemplate_IsAShortDnsLabelIgnoringItsOwnLabel()
    {
        var a = Template(new() { ["app"] = "web" });
        var hash = PodTemplateHash.Compute(a);
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{1,10}$", hash);
        a.Metadata.Labels["pod-template-hash"] = hash;
        Assert.Equal(hash, PodTemplateHash.Compute(a));
    }

    [Fact]
    public void Plan_RollingStart_CreatesUpToSurgeAndDeletesOnlyWithinBudget()
    {
        var spec = Spec(replicas: 4, surge: "1", unavailable: "1");
        var old = Enumerable.Range(0, 4).Select(i => Pod($"old-{i}", ready: true)).ToList();

        var plan = RolloutPlanner.Plan(spec, new DeploymentPods([], old, 0), DateTimeOffset.UtcNow);

        Assert.Equal(1, plan.Create);
        Assert.Single(plan.Delete);
    }

    [Fact]
    public void Plan_OldPodsNotReady_AreDeletedFirstWithoutUsingTheBudget()
    {
        var spec = Spec(replicas: 3, surge: "1", unavailable: "0");
        var old = new List<V1Pod> { Pod("a", ready: true), Pod("b", ready: false), Pod("c", ready: true) };
        var fresh = new List<V1Pod> { Pod("n1", ready: true) };

        var plan = RolloutPlanner.Plan(spec, new DeploymentPods(fresh, old, 0), DateTimeOffset.UtcNow);

        // 4 pods, 3 must stay available: the not-ready old pod goes, then no available pod may.
        Assert.Equal(["b"], plan.Delete.Select(p => p.Metadata.Name));
    }

    [Fact]
    public void Plan_RecreateWithTerminatingOldPods_Waits()
    {
        var spec = Spec(replicas: 2, surge: null, unavailable: null);
        spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };

        var plan = RolloutPlanner.Plan(spec, new DeploymentPods([], [], OldTerminating: 1), DateTimeOffset.UtcNow);

        Assert.True(plan.IsEmpty);
    }

    private static V1DeploymentSpec Spec(int replicas, string? surge, string? unavailable) => new()
    {
        Replicas = replicas,
        Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } },
    };

    private static V1Pod Pod(string name, bool ready) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = DateTime.UtcNow },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = DateTime.UtcNow }] },
    };

    private static V1PodTemplateSpec Template(Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "demo" }] },
    };
}
