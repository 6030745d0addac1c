using System.Net;
using System.Text.Json.Nodes;
using Switchyard.Store.Core;

namespace Switchyard.Control.Tests.Api;

public sealed class WatchTests
{
    /// <summary>Guards against a hung test only; no assertion depends on it.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Watch_FromRevision_ReceivesEveryLaterChangeOnceInOrder()
    {
        await using var api = await ApiServerFixture.StartAsync();
        await api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("before"));
        var list = await ApiServerFixture.JsonAsync(await api.Client.GetAsync("/api/v1/namespaces/default/configmaps"));
        var from = (string)list["metadata"]!["resourceVersion"]!;
        await api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("a", value: "1"));

        using var watch = await WatchStream.OpenAsync(api.Client, $"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={from}");
        await api.PutAsync("/api/v1/namespaces/default/configmaps/a", Manifests.ConfigMap("a", value: "2"));
        await api.PostAsync("/api/v1/namespaces/default/services", Manifests.Service("not-a-configmap"));
        await api.Client.DeleteAsync("/api/v1/namespaces/default/configmaps/a");
        await api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("b"));

        var events = new List<JsonObject>();
        for (var i = 0; i < 4; i++) events.Add(await watch.NextAsync(Guard));

        Assert.Equal(["ADDED a", "MODIFIED a", "DELETED a", "ADDED b"], events.Select(e => $"{e["type"]} {e["object"]!["metadata"]!["name"]}"));
        var versions = events.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.True(versions[0] > long.Parse(from));
        Assert.Equal("2", (string?)events[1]["object"]!["data"]!["k"]);
    }

    [Fact]
    public async Task Watch_WithoutRevision_SendsCurrentStateThenChanges()
    {
        await using var api = await ApiServerFixture.StartAsync();
        await api.PostAsync("/api/v1/namespaces/default/pods", Manifests.Pod("p1", app: "web"));
        await api.PostAsync("/api/v1/namespaces/default/pods", Manifests.Pod("p2", app: "db"));

        using var watch = await WatchStream.OpenAsync(api.Client, "/api/v1/pods?watch=1&labelSelector=app%3Dweb");
        var initial = await watch.NextAsync(Guard);
        await api.PostAsync("/api/v1/namespaces/default/pods", Manifests.Pod("p3", app: "web"));
        var next = await watch.NextAsync(Guard);

        Assert.Equal("ADDED p1", $"{initial["type"]} {initial["object"]!["metadata"]!["name"]}");
        Assert.Equal("ADDED p3", $"{next["type"]} {next["object"]!["metadata"]!["name"]}");
    }

    [Fact]
    public async Task Watch_CompactedRevision_SendsError410AndEnds()
    {
        await using var api = await ApiServerFixture.StartAsync(new ResourceStoreOptions { EventRetention = 2 });
        for (var i = 0; i < 5; i++) await api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap($"c{i}"));

        using var watch = await WatchStream.OpenAsync(api.Client, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1");
        var error = await watch.NextAsync(Guard);

        Assert.Equal("ERROR", (string?)error["type"]);
        var status = error["object"]!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Equal(410, (int)status["code"]!);
        Assert.StartsWith("too old resource version: 1 (", (string?)status["message"], StringComparison.Ordinal);
        Assert.Null(await watch.NextOrEndAsync(Guard));
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsTheStream()
    {
        await using var api = await ApiServerFixture.StartAsync();

        using var watch = await WatchStream.OpenAsync(api.Client, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=1");

        Assert.Null(await watch.NextOrEndAsync(Guard));
    }

    [Fact]
    public async Task Watch_ServerStops_EndsOpenWatches()
    {
        var api = await ApiServerFixture.StartAsync();
        using var watch = await WatchStream.OpenAsync(api.Client, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1");

        await api.Server.StopAsync();

        Assert.Null(await watch.NextOrEndAsync(Guard));
        await api.DisposeAsync();
    }

    [Fact]
    public async Task Watch_BadResourceVersion_Returns400()
    {
        await using var api = await ApiServerFixture.StartAsync();

        var response = await api.Client.GetAsync("/api/v1/pods?watch=true&resourceVersion=abc");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

/// <summary>Reads a watch response line by line.</summary>
internal sealed class WatchStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchStream> OpenAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new WatchStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public async Task<JsonObject> NextAsync(TimeSpan guard) =>
        await NextOrEndAsync(guard) ?? throw new InvalidOperationException("the watch ended");

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<JsonObject?> NextOrEndAsync(TimeSpan guard)
    {
        using var cts = new CancellationTokenSource(guard);
        var line = await _reader.ReadLineAsync(cts.Token);
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
