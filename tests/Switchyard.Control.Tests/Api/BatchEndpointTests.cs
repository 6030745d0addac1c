using System.Net;
using System.Text.Json.Nodes;

namespace Switchyard.Control.Tests.Api;

public sealed class BatchEndpointTests : IAsyncLifetime
{
    private ApiServerFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiServerFixture.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<(HttpStatusCode Code, JsonObject Body)> ApplyAsync(string body, string query = "")
    {
        var response = await _api.PostAsync("/apis/switchyard.dev/v1/apply" + query, body);
        return (response.StatusCode, await ApiServerFixture.JsonAsync(response));
    }

    private static List<string> Actions(JsonObject result) =>
        [.. result["items"]!.AsArray().Select(i => $"{i!["action"]} {i["object"]!["kind"]} {i["object"]!["metadata"]!["name"]}")];

    [Fact]
    public async Task Apply_NewThenSameThenChanged_ReportsCreatedUnchangedConfigured()
    {
        var (code, created) = await ApplyAsync(Manifests.List(Manifests.Namespace("shop"), Manifests.Service("web", "shop"), Manifests.ConfigMap("cfg", "shop")));
        var (_, same) = await ApplyAsync(Manifests.List(Manifests.Namespace("shop"), Manifests.Service("web", "shop"), Manifests.ConfigMap("cfg", "shop")));
        var (_, changed) = await ApplyAsync(Manifests.List(Manifests.Namespace("shop"), Manifests.Service("web", "shop"), Manifests.ConfigMap("cfg", "shop", value: "new")));

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("switchyard.dev/v1", (string?)created["apiVersion"]);
        Assert.Equal("ApplyResult", (string?)created["kind"]);
        Assert.Equal(["created Namespace shop", "created Service web", "created ConfigMap cfg"], Actions(created));
        Assert.Equal(["unchanged Namespace shop", "unchanged Service web", "unchanged ConfigMap cfg"], Actions(same));
        Assert.Equal(["unchanged Namespace shop", "unchanged Service web", "configured ConfigMap cfg"], Actions(changed));
        Assert.Equal((string?)created["metadata"]!["resourceVersion"], (string?)same["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Apply_OneBadObjectAmongMany_WritesNothingAndListsEveryError()
    {
        var before = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/configmaps"));
        var body = Manifests.List(
            Manifests.ConfigMap("ok-1"),
            Manifests.ConfigMap("Bad_Name"),
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"typo"},"dataa":{}}""",
            Manifests.Service("svc", "ghost-ns"),
            Manifests.ConfigMap("ok-2"));

        var (code, status) = await ApplyAsync(body);

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", (string?)status["reason"]);
        var causes = status["details"]!["causes"]!.AsArray().Select(c => $"{c!["field"]} | {c["message"]}").ToList();
        Assert.Contains("ConfigMap default/typo: dataa | unknown field \"dataa\"", causes);
        Assert.Contains("Service ghost-ns/svc: metadata.namespace | namespaces \"ghost-ns\" not found", causes);
        Assert.Contains(causes, c => c.StartsWith("ConfigMap default/Bad_Name: metadata.name | Invalid value: \"Bad_Name\"", StringComparison.Ordinal));
        Assert.DoesNotContain(causes, c => c.Contains("ok-", StringComparison.Ordinal));
        var after = await ApiServerFixture.JsonAsync(await _api.Client.GetAsync("/api/v1/configmaps"));
        Assert.Equal((string?)before["metadata"]!["resourceVersion"], (string?)after["metadata"]!["resourceVersion"]);
        Assert.Empty(after["items"]!.AsArray());
    }

    [Fact]
    public async Task Apply_ReapplyWithoutStatus_KeepsStatusSetThroughTheStatusSubresource()
    {
        await ApplyAsync(Manifests.List(Manifests.Pod("p")));
        await _api.PutAsync("/api/v1/namespaces/default/pods/p/status",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"status":{"phase":"Running","podIP":"127.0.1.7"}}""");

        var (_, unchanged) = await ApplyAsync(Manifests.List(Manifests.Pod("p")));
        var (_, configured) = await ApplyAsync(Manifests.List(Manifests.Pod("p", app: "v2")));

        Assert.Equal(["unchanged Pod p"], Actions(unchanged));
        Assert.Equal(["configured Pod p"], Actions(configured));
        Assert.Equal("127.0.1.7", (string?)configured["items"]![0]!["object"]!["status"]!["podIP"]);
    }

    [Fact]
    public async Task Apply_DryRun_ReportsActionsButWritesNothing()
    {
        var (code, result) = await ApplyAsync(Manifests.List(Manifests.ConfigMap("cfg")), "?dryRun=All");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.True((bool)result["dryRun"]!);
        Assert.Equal(["created ConfigMap cfg"], Actions(result));
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps/cfg")).StatusCode);
    }

    [Fact]
    public async Task Delete_ExistingAndMissing_DeletesExistingAndReportsEach()
    {
        await ApplyAsync(Manifests.List(Manifests.ConfigMap("a"), Manifests.Service("web")));
        var refs = Manifests.List(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"}}""",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ghost"}}""");

        var response = await _api.PostAsync("/apis/switchyard.dev/v1/delete", refs);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await ApiServerFixture.JsonAsync(response);
        Assert.Equal(["deleted ConfigMap a", "deleted Service web", "notfound ConfigMap ghost"], Actions(result));
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps/a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Client.GetAsync("/api/v1/namespaces/default/services/web")).StatusCode);
    }

    [Fact]
    public async Task Delete_NoneExist_Returns404()
    {
        var response = await _api.PostAsync("/apis/switchyard.dev/v1/delete", Manifests.List("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ghost"}}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("configmaps \"ghost\" not found", (string?)(await ApiServerFixture.JsonAsync(response))["message"]);
    }

    [Fact]
    public async Task Delete_UnknownKind_Returns422AndDeletesNothing()
    {
        await ApplyAsync(Manifests.List(Manifests.ConfigMap("a")));

        var response = await _api.PostAsync("/apis/switchyard.dev/v1/delete", Manifests.List(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""",
            """{"apiVersion":"v1","kind":"Widget","metadata":{"name":"w"}}"""));

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var cause = Assert.Single((await ApiServerFixture.JsonAsync(response))["details"]!["causes"]!.AsArray());
        Assert.Equal("items[1]: kind", (string?)cause!["field"]);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client.GetAsync("/api/v1/namespaces/default/configmaps/a")).StatusCode);
    }
}
