using k8s.Models;
using Switchyard.Control.Controllers.Deployments;
using static Switchyard.Cli.Tests.Commands.Rollout.DeploymentClusterFixture;

namespace Switchyard.Cli.Tests.Commands.Rollout;

public sealed class RolloutCommandTests(DeploymentClusterFixture cluster) : IClassFixture<DeploymentClusterFixture>
{
    private static string Manifest(string ns, string version, int replicas = 2) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
                version: {version}
            spec:
              containers:
              - name: web
                image: demo
                command: ["switchyard", "demo-app"]
        """;

    private async Task ApplyAsync(CliRunner cli, string ns, string version, int replicas = 2)
    {
        cli.Write($"{ns}-{version}.yaml", Manifest(ns, version, replicas));
        var run = await cluster.RunAsync(cli, "apply", "-f", $"{ns}-{version}.yaml");
        Assert.True(run.ExitCode == 0, run.Error);
    }

    private static string? Revision(V1Deployment d) =>
        d.Metadata.Annotations is { } a && a.TryGetValue(DeploymentLabels.Revision, out var r) ? r : null;

    [Fact]
    public async Task Status_PodsBecomeReady_PrintsProgressThenSuccess()
    {
        using var cli = new CliRunner();
        await ApplyAsync(cli, "ro-status", "v1");
        var output = new StringWriter { NewLine = "\n" };
        using var stop = new CancellationTokenSource();
        var status = cluster.RunAsync(cli, output, CancellationToken.None, "rollout", "status", "deployment/web", "-n", "ro-status", "--timeout", "60s");
        await WaitForAsync(() => Task.FromResult(output.ToString()), o => o.Contains("Waiting for", StringComparison.Ordinal), "a progress line");

        var runtime = cluster.RunFakeRuntimeAsync("ro-status", stop.Token);
        var run = await status;
        await stop.CancelAsync();
        await runtime;

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.TrimEnd().Split('\n');
        Assert.Equal("deployment \"web\" successfully rolled out", lines[^1]);
        Assert.All(lines[..^1], l => Assert.StartsWith("Waiting for", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_NeverReady_TimesOut()
    {
        using var cli = new CliRunner();
        await ApplyAsync(cli, "ro-timeout", "v1");

        var run = await cluster.RunAsync(cli, "rollout", "status", "deploy/web", "-n", "ro-timeout", "--timeout", "1s");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("timed out waiting for the condition", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_Deployment_SetsReplicasAndControllerFollows()
    {
        using var cli = new CliRunner();
        await ApplyAsync(cli, "ro-scale", "v1", replicas: 1);

        var run = await cluster.RunAsync(cli, "scale", "deployment/web", "--replicas", "3", "-n", "ro-scale");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("deployment.apps/web scaled\n", run.Out);
        Assert.Equal(3, (await cluster.DeploymentAsync("ro-scale", "web")).Spec.Replicas);
        await WaitForAsync(() => cluster.PodsAsync("ro-scale"), p => p.Count == 3, "three pods");
    }

    [Fact]
    public async Task Scale_WrongCurrentReplicas_RefusesAndChangesNothing()
    {
        using var cli = new CliRunner();
        await ApplyAsync(cli, "ro-scale-pre", "v1", replicas: 2);

        var run = await cluster.RunAsync(cli, "scale", "deployment", "web", "--replicas", "5", "--current-replicas", "3", "-n", "ro-scale-pre");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("expected replicas to be 3, was 2", run.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await cluster.DeploymentAsync("ro-scale-pre", "web")).Spec.Replicas);
    }

    [Fact]
    public async Task Scale_NotADeployment_SaysOnlyDeployments()
    {
        using var cli = new CliRunner();

        var run = await cluster.RunAsync(cli, "scale", "service/web", "--replicas", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("services are not supported here; only deployments are", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_Deployment_StampsTemplateAndRollsANewRevision()
    {
        using var cli = new CliRunner();
        using var stop = new CancellationTokenSource();
        await ApplyAsync(cli, "ro-restart", "v1");
        var runtime = cluster.RunFakeRuntimeAsync("ro-restart", stop.Token);
        await WaitForAsync(() => cluster.DeploymentAsync("ro-restart", "web"), d => Revision(d) == "1", "revision 1");
        var before = (await cluster.PodsAsync("ro-restart")).Select(p => p.Metadata.Name).ToHashSet();

        var run = await cluster.RunAsync(cli, "rollout", "restart", "deployment/web", "-n", "ro-restart");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("deployment.apps/web restarted\n", run.Out);
        var d = await cluster.DeploymentAsync("ro-restart", "web");
        Assert.True(d.Spec.Template.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/restartedAt"));
        await WaitForAsync(() => cluster.PodsAsync("ro-restart"), p => p.Count == 2 && p.All(x => !before.Contains(x.Metadata.Name)), "two new pods");
        await WaitForAsync(() => cluster.DeploymentAsync("ro-restart", "web"), x => Revision(x) == "2", "revision 2");
        await stop.CancelAsync();
        await runtime;
    }

    [Fact]
    public async Task HistoryAndUndo_TwoRevisions_ListsThemAndRollsBack()
    {
        using var cli = new CliRunner();
        using var stop = new CancellationTokenSource();
        var runtime = cluster.RunFakeRuntimeAsync("ro-undo", stop.Token);
        await ApplyAsync(cli, "ro-undo", "v1");
        await WaitForAsync(() => cluster.DeploymentAsync("ro-undo", "web"), d => Revision(d) == "1", "revision 1");
        await ApplyAsync(cli, "ro-undo", "v2");
        await WaitForAsync(() => cluster.DeploymentAsync("ro-undo", "web"), d => Revision(d) == "2", "revision 2");

        var history = await cluster.RunAsync(cli, "rollout", "history", "deployment/web", "-n", "ro-undo");
        var undo = await cluster.RunAsync(cli, "rollout", "undo", "deployment/web", "-n", "ro-undo");

        Assert.Equal("deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n", history.Out);
        Assert.True(undo.ExitCode == 0, undo.Error);
        Assert.Equal("deployment.apps/web rolled back\n", undo.Out);
        var d = await WaitForAsync(() => cluster.DeploymentAsync("ro-undo", "web"), x => Revision(x) == "3", "revision 3");
        Assert.Equal("v1", d.Spec.Template.Metadata.Labels["version"]);
        await WaitForAsync(() => cluster.PodsAsync("ro-undo"), p => p.Count == 2 && p.All(x => x.Metadata.Labels["version"] == "v1"), "v1 pods again");

        var again = await cluster.RunAsync(cli, "rollout", "history", "deployment/web", "-n", "ro-undo", "--revision", "3");
        Assert.Contains("deployment.apps/web with revision #3", again.Out, StringComparison.Ordinal);
        Assert.Contains("version=v1", again.Out, StringComparison.Ordinal);
        var missing = await cluster.RunAsync(cli, "rollout", "undo", "deployment/web", "-n", "ro-undo", "--to-revision", "9");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("unable to find specified revision 9 in history", missing.Error, StringComparison.Ordinal);
        await stop.CancelAsync();
        await runtime;
    }
}
