using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Control.Apply;
using Switchyard.Control.Tests.Api;
using Switchyard.Model.Resources;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Apply;

public sealed class ApplyServiceTests : IAsyncLifetime
{
    private readonly InMemoryResourceStore _store = new();
    private readonly RecordingAdmissionPlugin _plugin = new() { RefuseName = "refused" };
    private ApplyService _apply = null!;

    public Task InitializeAsync()
    {
        _apply = new ApplyService(_store, [_plugin]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static IKubernetesObject<V1ObjectMeta> Obj(string json)
    {
        var decoded = ResourceDecoder.Decode(JsonNode.Parse(json)!);
        Assert.True(decoded.Ok, string.Join("; ", decoded.Errors));
        return decoded.Object!;
    }

    private ValueTask<ApplyResult> ApplyAsync(params string[] manifests) =>
        _apply.ApplyAsync([.. manifests.Select(Obj)], ApplyOptions.Default, CancellationToken.None);

    [Fact]
    public async Task ApplyAsync_NewObjects_CreatesAllInOneRevisionRangeAndReportsCreated()
    {
        var result = await ApplyAsync(Manifests.Namespace("shop"), Manifests.Service("web", "shop"), Manifests.ConfigMap("cfg", "shop"));

        Assert.True(result.Ok);
        Assert.Equal([ApplyAction.Created, ApplyAction.Created, ApplyAction.Created], result.Items.Select(i => i.Action));
        Assert.Equal(3, result.Revision);
        var stored = await _store.GetAsync(new ObjectRef(ResourceKinds.Service, "shop", "web"));
        Assert.NotNull(stored);
        Assert.Equal("yes", stored.Metadata.Annotations[RecordingAdmissionPlugin.Annotation]);
        Assert.All(_plugin.Completions, c => Assert.True(c.Committed));
        Assert.Equal(3, _plugin.Completions.Count);
    }

    [Fact]
    public async Task ApplyAsync_SameObjectsAgain_ReportsUnchangedAndWritesNothing()
    {
        await ApplyAsync(Manifests.Service("web"), Manifests.ConfigMap("cfg"));
        var revision = await _store.GetRevisionAsync();

        var again = await ApplyAsync(Manifests.Service("web"), Manifests.ConfigMap("cfg"));

        Assert.True(again.Ok);
        Assert.Equal([ApplyAction.Unchanged, ApplyAction.Unchanged], again.Items.Select(i => i.Action));
        Assert.Equal(revision, await _store.GetRevisionAsync());
    }

    [Fact]
    public async Task ApplyAsync_SameDeploymentAfterItsControllerAndARestartStampedIt_UnchangedAndStampsKept()
    {
        const string Deployment = """
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
             "spec": {"selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "demo"}]}}}}
            """;
        await ApplyAsync(Deployment);
        // What the Deployment controller and `rollout restart` write, which the manifest does not carry.
        var key = new ObjectRef(ResourceKinds.Deployment, "default", "web");
        var stored = (V1Deployment)(await _store.GetAsync(key))!;
        stored.Metadata.Annotations["deployment.kubernetes.io/revision"] = "2"; // beside the test admission plugin's
        stored.Spec.Template.Metadata.Annotations = new Dictionary<string, string> { ["kubectl.kubernetes.io/restartedAt"] = "2026-11-27T12:00:00Z" };
        Assert.True((await _store.UpdateAsync(stored)).Ok);
        var revision = await _store.GetRevisionAsync();

        var again = await ApplyAsync(Deployment);

        Assert.Equal([ApplyAction.Unchanged], again.Items.Select(i => i.Action)); // kubectl apply says so too: a three-way merge keeps them
        Assert.Equal(revision, await _store.GetRevisionAsync());
        var changed = await ApplyAsync(Deployment.Replace("\"image\": \"demo\"", "\"image\": \"demo:2\"", StringComparison.Ordinal));
        Assert.Equal([ApplyAction.Configured], changed.Items.Select(i => i.Action));
        var after = (V1Deployment)(await _store.GetAsync(key))!;
        Assert.Equal("2", after.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("2026-11-27T12:00:00Z", after.Spec.Template.Metadata.Annotations["kubectl.kubernetes.io/restartedAt"]);

        // A PUT stores what it sends: `rollout undo` puts back a template without the restart's stamp, and must take.
        var put = await _apply.UpdateAsync(Obj(Deployment), ApplyOptions.Default, CancellationToken.None);
        Assert.True(put.Ok);
        var undone = (V1Deployment)(await _store.GetAsync(key))!;
        Assert.False(undone.Spec.Template.Metadata.Annotations?.ContainsKey("kubectl.kubernetes.io/restartedAt") == true);
    }

    [Fact]
    public async Task ApplyAsync_ChangedObject_ReportsConfiguredAndKeepsUidAndCreationTimestamp()
    {
        var first = await ApplyAsync(Manifests.ConfigMap("cfg", value: "one"), Manifests.Service("web"));

        var second = await ApplyAsync(Manifests.ConfigMap("cfg", value: "two"), Manifests.Service("web"));

        Assert.Equal([ApplyAction.Configured, ApplyAction.Unchanged], second.Items.Select(i => i.Action));
        var before = first.Items[0].Object;
        var after = (V1ConfigMap)second.Items[0].Object;
        Assert.Equal("two", after.Data["k"]);
        Assert.Equal(before.Metadata.Uid, after.Metadata.Uid);
        Assert.Equal(before.Metadata.CreationTimestamp, after.Metadata.CreationTimestamp);
        Assert.NotEqual(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task ApplyAsync_ObjectWithStatusReappliedWithoutStatus_KeepsStatus()
    {
        await ApplyAsync(Manifests.Pod("p"));
        var pod = (V1Pod)(await _store.GetAsync(new ObjectRef(ResourceKinds.Pod, "default", "p")))!;
        pod.Status = new V1PodStatus { Phase = "Running", PodIP = "127.0.1.5" };
        Assert.True((await _store.UpdateAsync(pod)).Ok);

        var result = await ApplyAsync(Manifests.Pod("p", app: "web2"));

        Assert.Equal(ApplyAction.Configured, result.Items[0].Action);
        var stored = (V1Pod)(await _store.GetAsync(new ObjectRef(ResourceKinds.Pod, "default", "p")))!;
        Assert.Equal("web2", stored.Metadata.Labels["app"]);
        Assert.Equal("127.0.1.5", stored.Status.PodIP);
        Assert.Equal("Running", stored.Status.Phase);
    }

    [Fact]
    public async Task ApplyAsync_InvalidObjectsAmongValid_WritesNothingAndReportsEveryError()
    {
        var revision = await _store.GetRevisionAsync();

        var result = await ApplyAsync(
            Manifests.ConfigMap("good"), Manifests.ConfigMap("Bad_Name"), Manifests.Service("svc", "missing"), Manifests.ConfigMap("refused"));

        Assert.False(result.Ok);
        Assert.Empty(result.Items);
        Assert.Equal(revision, await _store.GetRevisionAsync());
        Assert.Equal(["ConfigMap default/Bad_Name", "Service missing/svc", "ConfigMap default/refused"], result.Errors.Select(e => e.Ref.ToString()));
        Assert.Contains(result.Errors[0].Errors, e => e.Path == "metadata.name" && e.Message.StartsWith("Invalid value: \"Bad_Name\"", StringComparison.Ordinal));
        Assert.Equal([new("metadata.namespace", "namespaces \"missing\" not found")], result.Errors[1].Errors);
        Assert.Equal([new("spec", "refused by test plugin")], result.Errors[2].Errors);
        Assert.All(_plugin.Completions, c => Assert.False(c.Committed));
        Assert.Equal(["good", "refused"], _plugin.Completions.Select(c => c.Name).Order());
    }

    [Fact]
    public async Task ApplyAsync_NamespaceCreatedInSameBatch_Succeeds()
    {
        // The namespace comes last in the input but is written first.
        var result = await ApplyAsync(Manifests.Service("web", "team-a"), Manifests.Namespace("team-a"));

        Assert.True(result.Ok, string.Join("; ", result.Errors.SelectMany(e => e.Errors)));
        Assert.Equal(["Service team-a/web", "Namespace team-a"], result.Items.Select(i => i.Ref.ToString()));
        var ns = await _store.GetAsync(new ObjectRef(ResourceKinds.Namespace, null, "team-a"));
        var svc = await _store.GetAsync(new ObjectRef(ResourceKinds.Service, "team-a", "web"));
        Assert.True(long.Parse(ns!.Metadata.ResourceVersion) < long.Parse(svc!.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task ApplyAsync_SameObjectTwice_ReportsDuplicate()
    {
        var result = await ApplyAsync(Manifests.ConfigMap("cfg"), Manifests.ConfigMap("cfg", value: "x"));

        var error = Assert.Single(result.Errors);
        Assert.Equal([new("metadata.name", "Duplicate value: ConfigMap default/cfg appears more than once in this apply")], error.Errors);
    }

    [Fact]
    public async Task ApplyAsync_DryRun_WritesNothingAndReleasesReservations()
    {
        var result = await _apply.ApplyAsync([Obj(Manifests.ConfigMap("cfg"))], new ApplyOptions { DryRun = true }, CancellationToken.None);

        Assert.True(result.Ok);
        Assert.True(result.DryRun);
        Assert.Equal(ApplyAction.Created, result.Items[0].Action);
        Assert.Null(await _store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "cfg")));
        Assert.Equal([(AdmissionOperation.Create, "cfg", false)], _plugin.Completions);
    }

    [Fact]
    public async Task ApplyAsync_ClusterScopedObjectWithNamespace_IgnoresTheNamespace()
    {
        var result = await ApplyAsync("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ops","namespace":"default"}}""");

        Assert.True(result.Ok, string.Join("; ", result.Errors.SelectMany(e => e.Errors)));
        Assert.Null(result.Items[0].Object.Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task UpdateAsync_StaleResourceVersion_ReturnsConflict()
    {
        var created = await _apply.CreateAsync(Obj(Manifests.ConfigMap("cfg", value: "1")), ApplyOptions.Default, CancellationToken.None);
        var stale = created.Object!.Metadata.ResourceVersion;
        await ApplyAsync(Manifests.ConfigMap("cfg", value: "2"));
        var update = Obj(Manifests.ConfigMap("cfg", value: "3"));
        update.Metadata.ResourceVersion = stale;

        var result = await _apply.UpdateAsync(update, ApplyOptions.Default, CancellationToken.None);

        Assert.Equal(ObjectWriteStatus.Conflict, result.Status);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again", result.Message);
    }

    [Fact]
    public async Task CreateAsync_MissingNamespace_ReturnsNotFoundNamingTheNamespace()
    {
        var result = await _apply.CreateAsync(Obj(Manifests.ConfigMap("cfg", "nowhere")), ApplyOptions.Default, CancellationToken.None);

        Assert.Equal(ObjectWriteStatus.NotFound, result.Status);
        Assert.Equal("namespaces \"nowhere\" not found", result.Message);
        Assert.Empty(_plugin.Admitted);
    }

    [Fact]
    public async Task DeleteAsync_Namespace_DeletesItsContentsInTheSameTransaction()
    {
        await ApplyAsync(Manifests.Namespace("shop"), Manifests.Service("web", "shop"), Manifests.ConfigMap("cfg", "shop"), Manifests.ConfigMap("keep"));
        var nsRef = new ObjectRef(ResourceKinds.Namespace, null, "shop");
        var missing = new ObjectRef(ResourceKinds.ConfigMap, "default", "ghost");

        var result = await _apply.DeleteAsync([nsRef, missing], ApplyOptions.Default, CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Equal([DeleteAction.Deleted, DeleteAction.NotFound], result.Items.Select(i => i.Action));
        Assert.Equal(["ConfigMap shop/cfg", "Service shop/web"], result.Cascaded.Select(r => r.ToString()).Order());
        var left = await _store.ListAsync(new ListQuery(null));
        Assert.Equal(["keep"], left.Items.Select(o => o.Metadata.Name));
        Assert.Equal(3, _plugin.Completions.Count(c => c.Operation == AdmissionOperation.Delete && c.Committed));
    }

    [Fact]
    public async Task DeleteOneAsync_DefaultNamespace_IsForbidden()
    {
        await ApplyAsync(Manifests.Namespace("default"));

        var result = await _apply.DeleteOneAsync(new ObjectRef(ResourceKinds.Namespace, null, "default"), null, ApplyOptions.Default, CancellationToken.None);

        Assert.Equal(ObjectWriteStatus.Forbidden, result.Status);
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", result.Message);
        Assert.NotNull(await _store.GetAsync(new ObjectRef(ResourceKinds.Namespace, null, "default")));
    }

    [Fact]
    public async Task DeleteOneAsync_StaleResourceVersion_ReturnsConflictAndKeepsObject()
    {
        var created = await ApplyAsync(Manifests.ConfigMap("cfg", value: "1"));
        await ApplyAsync(Manifests.ConfigMap("cfg", value: "2"));

        var result = await _apply.DeleteOneAsync(created.Items[0].Ref, created.Items[0].Object.Metadata.ResourceVersion, ApplyOptions.Default, CancellationToken.None);

        Assert.Equal(ObjectWriteStatus.Conflict, result.Status);
        Assert.NotNull(await _store.GetAsync(created.Items[0].Ref));
    }
}
