using k8s.Models;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Controllers.Deployments;

/// <summary>
/// A real in-memory store with the Deployment controller running against it, and the parts of a pod
/// runtime tests need: making pods ready (status written directly) and finishing terminating pods.
/// </summary>
internal sealed class DeploymentTestKit : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private int _nextIp;

    public DeploymentTestKit(TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        Store = new InMemoryResourceStore();
        var controller = new DeploymentController(new DeploymentOptions(), Time, random: new Random(7));
        _run = Task.Run(() => controller.RunAsync(Store, _stop.Token));
    }

    public InMemoryResourceStore Store { get; }
    public TimeProvider Time { get; }
    public CancellationToken Stopping => _stop.Token;

    public static V1Deployment Deployment(string name, int replicas, string version = "v1", string strategy = "RollingUpdate",
        string? maxSurge = "25%", string? maxUnavailable = "25%", int minReadySeconds = 0, int progressDeadlineSeconds = 600) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            MinReadySeconds = minReadySeconds,
            ProgressDeadlineSeconds = progressDeadlineSeconds,
            RevisionHistoryLimit = 10,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Strategy = strategy == "Recreate"
                ? new V1DeploymentStrategy { Type = "Recreate" }
                : new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name, ["version"] = version } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "demo", Command = ["demo", version] }] },
            },
        },
    };

    public async Task CreateAsync(k8s.IKubernetesObject<V1ObjectMeta> obj)
    {
        var result = await Store.CreateAsync(obj);
        Assert.True(result.Ok, $"create {obj.Metadata.Name}: {result.Status} {result.Message}");
    }

    public async Task UpdateAsync<T>(string name, Action<T> change) where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var kind = ResourceKinds.ForType(typeof(T));
        for (var i = 0; i < 20; i++)
        {
            var obj = (T)(await Store.GetAsync(new ObjectRef(kind, "default", name)))!;
            change(obj);
            var result = await Store.UpdateAsync(obj);
            if (result.Ok) return;
            Assert.Equal(WriteStatus.Conflict, result.Status);
        }
        Assert.Fail($"could not update {name}");
    }

    public async Task<V1Deployment> GetDeploymentAsync(string name) =>
        (V1Deployment)(await Store.GetAsync(new ObjectRef(ResourceKinds.Deployment, "default", name)))!;

    public async Task<List<V1Pod>> PodsAsync(string app) =>
        (await Store.ListAsync(new ListQuery(ResourceKinds.Pod, "default", Selector.FromMap(new Dictionary<string, string> { ["app"] = app })))).Items
            .OfType<V1Pod>().ToList();

    /// <summary>What a runtime writes when a pod's container is up and its readiness probe passes.</summary>
    public async Task SetReadyAsync(string pod, bool ready = true)
    {
        await UpdateAsync<V1Pod>(pod, p =>
        {
            var index = Interlocked.Increment(ref _nextIp);
            p.Spec.NodeName ??= "local"; // what the runtime's binding writes
            p.Status ??= new V1PodStatus();
            p.Status.Phase = "Running";
            p.Status.PodIP ??= $"127.64.{index / 250}.{1 + (index % 250)}";
            p.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = Time.GetUtcNow().UtcDateTime }];
        });
    }

    /// <summary>
    /// Polls until the condition holds, or fails after a deadline: a liveness bound, generous because CI runs the test
    /// assemblies side by side on two cores (a rollout that takes under a second alone once took over 20 s there).
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        T value;
        do
        {
            if (_run.IsCompleted) await _run;
            value = await read();
            if (condition(value)) return value;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"timed out waiting for {what}; last: {value}");
        return value;
    }

    public Task<V1Deployment> WaitForDeploymentAsync(string name, Func<V1Deployment, bool> condition, string what) =>
        WaitForAsync(() => GetDeploymentAsync(name), condition, what);

    public Task<List<V1Pod>> WaitForPodsAsync(string app, Func<List<V1Pod>, bool> condition, string what) =>
        WaitForAsync(() => PodsAsync(app), condition, what);

    /// <summary>
    /// A stand-in for the pod runtime: makes every new pod ready a moment after it appears and removes
    /// terminating pods, until the kit is disposed.
    /// </summary>
    public Task RunFakeRuntimeAsync(string app) => Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                foreach (var pod in await PodsAsync(app))
                {
                    if (pod.Metadata.DeletionTimestamp is not null) await Store.DeleteAsync(ObjectRef.Of(pod));
                    else if (pod.Status is null) await SetReadyAsync(pod.Metadata.Name);
                }
                await Task.Delay(15, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    public static V1DeploymentCondition? Condition(V1Deployment d, string type) => d.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }
        await Store.DisposeAsync();
        _stop.Dispose();
    }
}
