using System.Net;
using System.Text;

namespace Switchyard.Control.Tests.Api;

public sealed class ResourceCrudTests : IAsyncLifetime
{
    private ApiServerFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiServerFixture.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Service_CreateGetUpdateDelete_ThroughCoreNamespacedPaths()
    {
        var created = await _api.PostAsync("/api/v1/namespaces/default/services", Manifests.Service("web"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ApiServerFixture.JsonAsync(created);
        Assert.Equal("Service", (string?)body["kind"]);
        Assert.False(string.IsNullOrEmpty((string?)body["metadata"]!["uid"]));

        var got = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/namespaces/default/services/web"));
        Assert.Equal((string?)body["metadata"]!["resourceVersion"], (string?)got["metadata"]!["resourceVersion"]);

        var updated = await _api.PutAsync("/api/v1/namespaces/default/services/web", Manifests.Service("web", port: 8080));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(8080, (int)(await ApiServerFixture.JsonAsync(updated))["spec"]!["ports"]![0]!["port"]!);

        var deleted = await _api.Client.DeleteAsync("/api/v1/namespaces/default/services/web");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Client.GetAsync("/api/v1/namespaces/default/services/web")).StatusCode);
    }

    [Fact]
    public async Task ClusterScopedAndGroupKinds_CreateAndGet_ThroughTheirPaths()
    {
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsync("/api/v1/namespaces", Manifests.Namespace("shop"))).StatusCode);
        var deployment = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"shop"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"api"}},
                     "template":{"metadata":{"labels":{"app":"api"}},"spec":{"containers":[{"name":"api","image":"demo"}]}}}}
            """;
        var ingressClass = """{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"switchyard"},"spec":{"controller":"switchyard.dev/ingress"}}""";

        var d = await _api.PostAsync("/apis/apps/v1/namespaces/shop/deployments", deployment);
        var ic = await _api.PostAsync("/apis/networking.k8s.io/v1/ingressclasses", ingressClass);

        Assert.Equal(HttpStatusCode.Created, d.StatusCode);
        Assert.Equal(HttpStatusCode.Created, ic.StatusCode);
        var ns = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/namespaces/shop"));
        Assert.Equal("Namespace", (string?)ns["kind"]);
        var got = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/apis/apps/v1/namespaces/shop/deployments/api"));
        Assert.Equal(2, (int)got["spec"]!["replicas"]!);
        var list = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/apis/networking.k8s.io/v1/ingressclasses"));
        Assert.Equal("IngressClassList", (string?)list["kind"]);
        Assert.Equal("networking.k8s.io/v1", (string?)list["apiVersion"]);
        Assert.Equal("switchyard", (string?)list["items"]![0]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task List_WithLabelSelector_ReturnsOnlyMatchingAcrossNamespaces()
    {
        await _api.PostAsync("/api/v1/namespaces", Manifests.Namespace("other"));
        await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("a", tier: "front"));
        await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("b", tier: "back"));
        await _api.PostAsync("/api/v1/namespaces/other/configmaps", Manifests.ConfigMap("c", "other", tier: "front"));

        var inDefault = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront"));
        var everywhere = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/configmaps?labelSelector=tier+in+(front)"));
        var notFront = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/configmaps?labelSelector=tier!%3Dfront"));

        Assert.Equal("ConfigMapList", (string?)inDefault["kind"]);
        Assert.Equal("v1", (string?)inDefault["apiVersion"]);
        Assert.False(string.IsNullOrEmpty((string?)inDefault["metadata"]!["resourceVersion"]));
        Assert.Equal(["a"], Names(inDefault));
        Assert.Equal(["a", "c"], Names(everywhere));
        Assert.Equal(["b"], Names(notFront));
    }

    [Fact]
    public async Task Put_StaleResourceVersion_Returns409Conflict()
    {
        var created = await ApiServerFixture.JsonAsync(await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg", value: "1")));
        var staleVersion = (string)created["metadata"]!["resourceVersion"]!;
        Assert.Equal(HttpStatusCode.OK, (await _api.PutAsync("/api/v1/namespaces/default/configmaps/cfg", Manifests.ConfigMap("cfg", value: "2"))).StatusCode);
        created["data"]!["k"] = "3";

        var response = await _api.PutAsync("/api/v1/namespaces/default/configmaps/cfg", created.ToJsonString());

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Equal(409, (int)status["code"]!);
        Assert.Equal("cfg", (string?)status["details"]!["name"]);
        var stored = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps/cfg"));
        Assert.Equal("2", (string?)stored["data"]!["k"]);
        Assert.NotEqual(staleVersion, (string?)stored["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task PutStatus_ReplacesOnlyStatus_AndPlainPutWithoutStatusKeepsIt()
    {
        await _api.PostAsync("/api/v1/namespaces/default/pods", Manifests.Pod("p"));
        var status = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"ignored":"yes"}},"status":{"phase":"Running","podIP":"127.0.1.9"}}""";

        var put = await _api.PutAsync("/api/v1/namespaces/default/pods/p/status", status);
        var replaced = await _api.PutAsync("/api/v1/namespaces/default/pods/p", Manifests.Pod("p", app: "v2"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Null((await ApiServerFixture.JsonAsync(put))["metadata"]!["labels"]!["ignored"]);
        var pod = await ApiServerFixture.JsonAsync(replaced);
        Assert.Equal("v2", (string?)pod["metadata"]!["labels"]!["app"]);
        Assert.Equal("127.0.1.9", (string?)pod["status"]!["podIP"]);
    }

    [Fact]
    public async Task Patch_MergePatch_ChangesOnlyTheNamedFields()
    {
        await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg", value: "1"));
        var patch = new StringContent("""{"metadata":{"labels":{"tier":null,"team":"blue"}},"data":{"extra":"x"}}""", Encoding.UTF8, "application/merge-patch+json");

        var response = await _api.Client.PatchAsync("/api/v1/namespaces/default/configmaps/cfg", patch);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cm = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("""{"team":"blue"}""", cm["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""{"extra":"x","k":"1"}""", SortedJson(cm["data"]!.AsObject()));
    }

    [Fact]
    public async Task Delete_WithStalePrecondition_Returns409AndKeepsObject()
    {
        var created = await ApiServerFixture.JsonAsync(await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg", value: "1")));
        await _api.PutAsync("/api/v1/namespaces/default/configmaps/cfg", Manifests.ConfigMap("cfg", value: "2"));
        var request = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/cfg")
        {
            Content = new StringContent($$$"""{"preconditions":{"resourceVersion":"{{{created["metadata"]!["resourceVersion"]}}}"}}""", Encoding.UTF8, "application/json"),
        };

        var response = await _api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps/cfg")).StatusCode);
    }

    [Fact]
    public async Task Startup_CreatesDefaultAndKubeSystemNamespaces()
    {
        var list = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/namespaces"));

        Assert.Equal(["default", "kube-system"], Names(list));
    }

    private static List<string> Names(System.Text.Json.Nodes.JsonObject list) =>
        [.. list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).Order(StringComparer.Ordinal)];

    private static string SortedJson(System.Text.Json.Nodes.JsonObject o) =>
        new System.Text.Json.Nodes.JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();

    [Fact]
    public async Task Create_WithGenerateNameOnly_NamesItPrefixPlusFiveCharacters_EachCreateANewName()
    {
        const string body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"job-cfg-"},"data":{"k":"v"}}""";
        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = await _api.PostAsync("/api/v1/namespaces/default/configmaps", body);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            names.Add((string)(await ApiServerFixture.JsonAsync(created))["metadata"]!["name"]!);
        }

        Assert.All(names, n => Assert.Matches("^job-cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$", n));
        Assert.Equal(3, names.Distinct().Count());
        var got = await _api.Client.GetAsync($"/api/v1/namespaces/default/configmaps/{names[0]}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("job-cfg-", (string?)(await ApiServerFixture.JsonAsync(got))["metadata"]!["generateName"]);
    }

    [Fact]
    public void GeneratedName_LongPrefix_IsCutSoTheNameFits63Characters()
    {
        var name = Switchyard.Control.Apply.GeneratedNames.From(new string('a', 70));
        Assert.Equal(63, name.Length);
        Assert.StartsWith(new string('a', 58), name, StringComparison.Ordinal);
    }
}
