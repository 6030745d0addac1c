using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Runtime.Tests;

/// <summary>A real in-memory store and a <see cref="PodRuntime"/> running real processes against it, with shrunk back-off.</summary>
internal sealed class RuntimeTestKit : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public RuntimeTestKit(Func<RuntimeOptions, RuntimeOptions>? configure = null, string? stateDirectory = null, InMemoryResourceStore? store = null)
    {
        StateDirectory = stateDirectory ?? Path.Combine(Path.GetTempPath(), "sy-runtime-tests", Guid.NewGuid().ToString("N")[..12]);
        Store = store ?? new InMemoryResourceStore();
        var options = new RuntimeOptions
        {
            StateDirectory = StateDirectory,
            BackOffInitial = TimeSpan.FromMilliseconds(300),
            BackOffMax = TimeSpan.FromSeconds(2),
            ShutdownTimeout = TimeSpan.FromSeconds(15),
        };
        Runtime = new PodRuntime(Store, configure?.Invoke(options) ?? options);
    }

    public string StateDirectory { get; }
    public InMemoryResourceStore Store { get; }
    public PodRuntime Runtime { get; }

    public RuntimeTestKit Start()
    {
        _run = Task.Run(() => Runtime.RunAsync(_stop.Token));
        return this;
    }

    public static V1Pod Pod(string name, string script, Action<V1Pod>? change = null, Action<V1Container>? container = null)
    {
        var c = new V1Container { Name = "main", Image = "local", Command = ["/bin/sh", "-c", script] };
        container?.Invoke(c);
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec { Containers = [c], TerminationGracePeriodSeconds = 5 },
        };
        change?.Invoke(pod);
        ResourceValidation.ApplyDefaults(pod);
        return pod;
    }

    public async Task<V1Pod> CreateAsync(V1Pod pod)
    {
        var result = await Store.CreateAsync(pod);
        Assert.True(result.Ok, $"create {pod.Metadata.Name}: {result.Status} {result.Message}");
        return (V1Pod)result.Object!;
    }

    public async Task<V1Pod?> GetAsync(string name, string ns = "default") =>
        await Store.GetAsync(new ObjectRef(ResourceKinds.Pod, ns, name)) as V1Pod;

    /// <summary>Polls the pod until <paramref name="condition"/> holds; fails with the last status seen at the deadline.</summary>
    public async Task<V1Pod> WaitForAsync(string name, Func<V1Pod, bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        V1Pod? pod = null;
        while (DateTime.UtcNow < deadline)
        {
            pod = await GetAsync(name);
            if (pod is not null && condition(pod)) return pod;
            await Task.Delay(50);
        }
        var status = pod is null ? "(pod is gone)" : k8s.KubernetesJson.Serialize(pod.Status);
        Assert.Fail($"pod {name}: timed out waiting for {what}; last status: {status}");
        return null!;
    }

    public async Task WaitGoneAsync(string name, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await GetAsync(name) is null) return;
            await Task.Delay(50);
        }
        Assert.Fail($"pod {name} was not removed");
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"timed out waiting for {what}");
    }

    public static V1ContainerStatus Container(V1Pod pod, string name = "main") =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == name) ?? new V1ContainerStatus { Name = name };

    public static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z');

    /// <summary>Whether a process of the group is alive (zombies, which a container's PID 1 may never reap, do not count).</summary>
    public static bool GroupAlive(int groupId) => GroupMembers(groupId) > 0;

    /// <summary>How many live (not zombie) processes are in the process group.</summary>
    public static int GroupMembers(int groupId)
    {
        var id = groupId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var members = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var fields = File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].Trim().Split(' ');
                if (fields[0] != "Z" && fields[2] == id) members++;
            }
            catch (IOException)
            {
            }
        }
        return members;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }
        await Runtime.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Runtime.DisposeAsync();
        _stop.Dispose();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
