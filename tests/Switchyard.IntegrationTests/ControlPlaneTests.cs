using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Switchyard.IntegrationTests;

/// <summary>
/// The foundation's promises, checked end to end with the real binary: `switchyard up` in its own
/// process, the CLI as a separate process, curl as an independent HTTP client.
/// </summary>
public sealed class ControlPlaneTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("switchyard-it-").FullName;
    private Cli _cli = null!;

    public Task InitializeAsync()
    {
        _cli = new Cli(Path.Combine(_dir, "config"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private string StateDir => Path.Combine(_dir, "state");
    private static string Examples => Path.Combine(Cli.RepoRoot, "examples", "foundation");

    [Fact]
    public async Task Apply_KillNineAndRestart_EveryObjectSurvivesWithSameResourceVersion()
    {
        Dictionary<string, (string Uid, string Rv, JsonNode Json)> before;
        await using (var up = await UpProcess.StartAsync(_cli, StateDir))
        {
            var apply = await _cli.RunAsync("apply", "-f", Examples);
            Assert.True(apply.ExitCode == 0, apply.ToString());
            var applied = ManifestObjects();
            before = await SettledSnapshotAsync(applied.Select(o => o.Key).ToHashSet());
            foreach (var (key, spec) in applied)
            {
                Assert.True(before.ContainsKey(key), $"{key} was applied but `get` does not return it; have: {string.Join(", ", before.Keys)}");
                if (spec is not null && !key.StartsWith("Service ", StringComparison.Ordinal))
                {
                    // Server-side defaults may add fields; every field the manifest set must come back unchanged.
                    AssertContains(spec, before[key].Json["spec"], key + " spec");
                }
            }
            await up.KillAsync();
        }

        await using (await UpProcess.StartAsync(_cli, StateDir))
        {
            var after = await SnapshotAsync();
            var applied = ManifestObjects().Select(o => o.Key).ToHashSet();
            foreach (var (key, b) in before)
            {
                Assert.True(after.ContainsKey(key), $"{key} (resourceVersion {b.Rv}) was acknowledged before kill -9 and is gone after the restart");
                Assert.Equal(b.Uid, after[key].Uid);
                // What the user applied comes back untouched. Objects that controllers own (Deployment status,
                // the Deployment's pods run by the local runtime, EndpointSlices) may be written again on restart.
                if (applied.Contains(key) && !key.StartsWith("Deployment ", StringComparison.Ordinal))
                {
                    Assert.True(b.Rv == after[key].Rv, $"{key}: resourceVersion {b.Rv} before kill -9, {after[key].Rv} after the restart");
                }
                else
                {
                    Assert.True(long.Parse(after[key].Rv, System.Globalization.CultureInfo.InvariantCulture) >= long.Parse(b.Rv, System.Globalization.CultureInfo.InvariantCulture), $"{key}: resourceVersion went back from {b.Rv} to {after[key].Rv}");
                }
            }
        }
    }

    [SkippableFact]
    public async Task Watch_FromRevision_CurlSeesEveryLaterChangeOnceInOrder()
    {
        Skip.IfNot(Tools.Has("curl"), Tools.Missing("curl"));
        await using var up = await UpProcess.StartAsync(_cli, StateDir);
        var token = (await File.ReadAllTextAsync(Path.Combine(StateDir, "admin.token"))).Trim();
        var first = await _cli.RunWithInputAsync(ConfigMap("w", "0"), "apply", "-f", "-");
        Assert.True(first.ExitCode == 0, first.ToString());
        var list = JsonNode.Parse((await _cli.RunAsync("get", "configmaps", "-o", "json")).Stdout)!;
        var revision = MaxResourceVersion(list);

        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-sN", "--max-time", "60", "-H", $"Authorization: Bearer {token}",
                     $"{up.Url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={revision}" })
        {
            psi.ArgumentList.Add(a);
        }
        using var curl = Process.Start(psi)!;
        const int changes = 15;
        for (var i = 1; i <= changes; i++)
        {
            var r = await _cli.RunWithInputAsync(ConfigMap("w", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "apply", "-f", "-");
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        var deleted = await _cli.RunAsync("delete", "configmap", "w");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());

        var events = new List<JsonNode>();
        while (events.Count < changes + 1)
        {
            var line = await curl.StandardOutput.ReadLineAsync();
            if (line is null) break;
            if (line.Length > 0) events.Add(JsonNode.Parse(line)!);
        }
        curl.Kill();

        Assert.Equal(changes + 1, events.Count);
        for (var i = 0; i < changes; i++)
        {
            Assert.Equal("MODIFIED", (string?)events[i]["type"]);
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)events[i]["object"]!["data"]!["n"]);
        }
        Assert.Equal("DELETED", (string?)events[changes]["type"]);
        var revisions = events.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(revisions.Order(), revisions);
        Assert.Equal(revisions.Count, revisions.Distinct().Count());
        Assert.True(revisions[0] > revision);
    }

    [SkippableFact]
    public async Task Update_WithStaleResourceVersion_Is409Status()
    {
        Skip.IfNot(Tools.Has("curl"), Tools.Missing("curl"));
        await using var up = await UpProcess.StartAsync(_cli, StateDir);
        var token = (await File.ReadAllTextAsync(Path.Combine(StateDir, "admin.token"))).Trim();
        Assert.Equal(0, (await _cli.RunWithInputAsync(ConfigMap("s", "1"), "apply", "-f", "-")).ExitCode);
        var got = JsonNode.Parse((await _cli.RunAsync("get", "configmap", "s", "-o", "json")).Stdout)!;
        var staleRv = (string)got["metadata"]!["resourceVersion"]!;
        Assert.Equal(0, (await _cli.RunWithInputAsync(ConfigMap("s", "2"), "apply", "-f", "-")).ExitCode);

        got["data"]!["n"] = "3";
        var body = Path.Combine(_dir, "stale.json");
        await File.WriteAllTextAsync(body, got.ToJsonString());
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-s", "-X", "PUT", "-H", $"Authorization: Bearer {token}", "-H", "Content-Type: application/json",
                     "--data-binary", "@" + body, "-w", "\n%{http_code}", $"{up.Url}/api/v1/namespaces/default/configmaps/s" })
        {
            psi.ArgumentList.Add(a);
        }
        using var curl = Process.Start(psi)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("409", lines[^1]);
        var status = JsonNode.Parse(string.Join('\n', lines[..^1]))!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Equal(409, (int?)status["code"]);
        var now = JsonNode.Parse((await _cli.RunAsync("get", "configmap", "s", "-o", "json")).Stdout)!;
        Assert.Equal("2", (string?)now["data"]!["n"]);
    }

    [Fact]
    public async Task EndpointSlices_FollowPodReadiness()
    {
        await using var up = await UpProcess.StartAsync(_cli, StateDir);
        var apply = await _cli.RunWithInputAsync(ServiceAndPod(ready: true), "apply", "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        await WaitForEndpointAsync(ready: true);

        var notReady = await _cli.RunWithInputAsync(ServiceAndPod(ready: false), "apply", "-f", "-");
        Assert.True(notReady.ExitCode == 0, notReady.ToString());
        await WaitForEndpointAsync(ready: false);

        var readyAgain = await _cli.RunWithInputAsync(ServiceAndPod(ready: true), "apply", "-f", "-");
        Assert.True(readyAgain.ExitCode == 0, readyAgain.ToString());
        await WaitForEndpointAsync(ready: true);
    }

    [Fact]
    public async Task Validate_ThreeBrokenDocuments_ReportsAllThreeWithFileLineAndPath()
    {
        var file = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - port: 70000
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: Bad_Name
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              selector:
                matchLabels: {app: api}
              template:
                metadata:
                  labels: {app: api}
                spec:
                  containers:
                  - name: api
                    image: demo
                    bogus: true
            """);
        var r = await _cli.RunAsync("validate", "-f", file);
        Assert.NotEqual(0, r.ExitCode);
        var errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Where(l => l.StartsWith(file + ":", StringComparison.Ordinal)).ToList();
        Assert.Contains(errors, e => e.StartsWith($"{file}:7: Service default/web: spec.ports[0].port:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{file}:12: ConfigMap default/Bad_Name: metadata.name:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{file}:28: Deployment default/api: spec.template.spec.containers[0].bogus:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Up_Sigterm_ExitsCleanly()
    {
        var up = await UpProcess.StartAsync(_cli, StateDir);
        await using (up)
        {
            Assert.Equal(0, await up.TerminateAsync());
        }
    }

    private async Task WaitForEndpointAsync(bool ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var r = await _cli.RunAsync("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json");
            last = r.ToString();
            if (r.ExitCode == 0)
            {
                var items = JsonNode.Parse(r.Stdout)!["items"]!.AsArray();
                var endpoints = items.SelectMany(s => s!["endpoints"]?.AsArray() ?? []).ToList();
                if (endpoints.Count == 1 && (bool?)endpoints[0]!["conditions"]!["ready"] == ready
                    && (string?)endpoints[0]!["addresses"]![0] == "127.64.0.10")
                {
                    return;
                }
            }
            await Task.Delay(200);
        }
        Assert.Fail($"no endpoint with ready={ready} within 30 s; last answer:\n{last}");
    }

    private async Task<Dictionary<string, (string Uid, string Rv, JsonNode Json)>> SnapshotAsync()
    {
        var all = new Dictionary<string, (string, string, JsonNode)>();
        foreach (var kind in Model.Resources.ResourceKinds.All)
        {
            var args = kind.Namespaced ? new[] { "get", kind.Plural, "-A", "-o", "json" } : new[] { "get", kind.Plural, "-o", "json" };
            var r = await _cli.RunAsync(args);
            Assert.True(r.ExitCode == 0, r.ToString());
            foreach (var item in JsonNode.Parse(r.Stdout)!["items"]!.AsArray())
            {
                var meta = item!["metadata"]!;
                var key = kind.Namespaced ? $"{kind.Kind} {meta["namespace"]}/{meta["name"]}" : $"{kind.Kind} {meta["name"]}";
                all[key] = ((string)meta["uid"]!, (string)meta["resourceVersion"]!, item);
            }
        }
        return all;
    }

    /// <summary>
    /// A snapshot once the controllers have written the status of what was applied: every GatewayClass, Gateway and route
    /// has one, and
    /// two snapshots in a row agree on the resourceVersion of each applied object (Deployments aside: the runtime keeps
    /// writing theirs). A Gateway's status written after the snapshot once read as a restart rewriting it. Gives up
    /// waiting after a minute and returns the last snapshot, for the assertions to report.
    /// </summary>
    private async Task<Dictionary<string, (string Uid, string Rv, JsonNode Json)>> SettledSnapshotAsync(HashSet<string> applied)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        Dictionary<string, (string Uid, string Rv, JsonNode Json)>? last = null;
        while (true)
        {
            var next = await SnapshotAsync();
            var watched = next.Where(o => applied.Contains(o.Key) && !o.Key.StartsWith("Deployment ", StringComparison.Ordinal)).ToList();
            var statuses = watched.All(o => !HasControllerStatus(o.Key) || o.Value.Json["status"] is JsonObject { Count: > 0 });
            var unchanged = last is not null && watched.All(o => last.TryGetValue(o.Key, out var l) && l.Rv == o.Value.Rv);
            if ((statuses && unchanged) || DateTime.UtcNow > deadline) return next;
            last = next;
            await Task.Delay(500);
        }
    }

    /// <summary>The kinds whose status the gateway controller writes: GatewayClass, Gateway and the routes.</summary>
    private static bool HasControllerStatus(string key)
    {
        var kind = key[..key.IndexOf(' ', StringComparison.Ordinal)];
        return kind is "GatewayClass" or "Gateway" || kind.EndsWith("Route", StringComparison.Ordinal);
    }

    private static List<(string Key, JsonNode? Spec)> ManifestObjects()
    {
        var read = new Model.Manifests.ManifestReader().Read([Examples]);
        Assert.Empty(read.Errors);
        return read.Objects.Select(o => (Model.Resources.ObjectRef.Of(o.Object!).ToString(), Model.Resources.ResourceJson.ToNode(o.Object!)["spec"])).ToList();
    }

    /// <summary>Every property of <paramref name="expected"/> is in <paramref name="actual"/> with the same value.</summary>
    private static void AssertContains(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case JsonObject o:
                Assert.True(actual is JsonObject, $"{path}: expected an object, got {actual?.ToJsonString() ?? "nothing"}");
                foreach (var (k, v) in o) AssertContains(v, actual![k], $"{path}.{k}");
                break;
            case JsonArray a:
                Assert.True(actual is JsonArray b && b.Count == a.Count, $"{path}: expected {a.ToJsonString()}, got {actual?.ToJsonString()}");
                for (var i = 0; i < a.Count; i++) AssertContains(a[i], actual![i], $"{path}[{i}]");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: expected {expected?.ToJsonString()}, got {actual?.ToJsonString()}");
                break;
        }
    }

    /// <summary>The newest resourceVersion among a list's items (like kubectl, `get -o json` prints no list revision).</summary>
    private static long MaxResourceVersion(JsonNode list) =>
        list["items"]!.AsArray().Max(i => long.Parse((string)i!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture));

    private static string ConfigMap(string name, string n) => $$"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{name}}
        data:
          n: "{{n}}"
        """;

    private static string ServiceAndPod(bool ready) => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: {app: web}
          ports:
          - name: http
            port: 80
            targetPort: http
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          labels: {app: web}
        spec:
          # Bound to another node: its status is what that node reports (here, the test), not the local runtime.
          nodeName: node-b
          containers:
          - name: web
            image: demo
            ports:
            - name: http
              containerPort: 8080
        status:
          phase: Running
          podIP: 127.64.0.10
          podIPs:
          - ip: 127.64.0.10
          conditions:
          - type: Ready
            status: "{{(ready ? "True" : "False")}}"
        """;
}
