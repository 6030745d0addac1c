using k8s.Models;
using Switchyard.Control.Controllers.EndpointSlices;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Controllers;

/// <summary>A real in-memory store with the EndpointSlice controller running against it.</summary>
internal sealed class EndpointSliceTestKit : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public EndpointSliceTestKit(EndpointSliceOptions? options = null)
    {
        Store = new InMemoryResourceStore();
        var controller = new EndpointSliceController(options);
        _run = Task.Run(() => controller.RunAsync(Store, _stop.Token));
    }

    public InMemoryResourceStore Store { get; }

    public async Task CreateAsync(k8s.IKubernetesObject<V1ObjectMeta> obj)
    {
        var result = await Store.CreateAsync(obj);
        Assert.True(result.Ok, $"create {obj.Metadata.Name}: {result.Status} {result.Message}");
    }

    /// <summary>Reads an object, changes it, writes it back (retrying on conflict).</summary>
    public async Task UpdateAsync<T>(string name, Action<T> change) where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var kind = ResourceKinds.ForType(typeof(T));
        for (var i = 0; i < 10; i++)
        {
            var obj = (T)(await Store.GetAsync(new ObjectRef(kind, "default", name)))!;
            change(obj);
            var result = await Store.UpdateAsync(obj);
            if (result.Ok) return;
            Assert.Equal(WriteStatus.Conflict, result.Status);
        }
        Assert.Fail($"could not update {name}");
    }

    public async Task<List<V1EndpointSlice>> SlicesAsync(string service, bool managedOnly = true)
    {
        var labels = new Dictionary<string, string> { [EndpointSliceLabels.ServiceName] = service };
        if (managedOnly) labels[EndpointSliceLabels.ManagedBy] = EndpointSliceLabels.ControllerName;
        var list = await Store.ListAsync(new ListQuery(ResourceKinds.EndpointSlice, "default", Selector.FromMap(labels)));
        return list.Items.OfType<V1EndpointSlice>().OrderBy(s => s.AddressType, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Polls the store until the slices of a service satisfy a condition, or fails after a deadline.</summary>
    public async Task<List<V1EndpointSlice>> WaitForSlicesAsync(string service, Func<List<V1EndpointSlice>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        List<V1EndpointSlice> slices;
        do
        {
            if (_run.IsCompleted) await _run; // surface a crash
            slices = await SlicesAsync(service);
            if (condition(slices)) return slices;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"timed out waiting for {what}; slices of {service}: {Describe(slices)}");
        return slices;
    }

    public static string Describe(IEnumerable<V1EndpointSlice> slices) => string.Join("; ", slices.Select(s =>
        $"{s.Metadata.Name}[{s.AddressType}] ports={string.Join(",", (s.Ports ?? []).Select(p => $"{p.Name}:{p.Port}"))} eps={string.Join(",", (s.Endpoints ?? []).Select(e => $"{e.TargetRef?.Name}={e.Addresses[0]}/{e.Conditions?.Ready}"))}"));

    public static IEnumerable<V1Endpoint> Endpoints(IEnumerable<V1EndpointSlice> slices) => slices.SelectMany(s => s.Endpoints ?? []);

    public static V1Service Service(string name, IDictionary<string, string>? selector = null, params V1ServicePort[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["tier"] = "web" } },
        Spec = new V1ServiceSpec
        {
            ClusterIP = "127.96.0.10",
            ClusterIPs = ["127.96.0.10"],
            IpFamilies = ["IPv4"],
            IpFamilyPolicy = "SingleStack",
            Selector = selector ?? new Dictionary<string, string> { ["app"] = name },
            Ports = ports.Length > 0 ? ports : [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080 }],
        },
    };

    public static V1Pod Pod(string name, string app, string? ip, bool ready = true, params V1ContainerPort[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec
        {
            NodeName = "local",
            Containers = [new V1Container { Name = "main", Image = "demo", Ports = ports.Length > 0 ? ports : null }],
        },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            PodIPs = ip is null ? null : [new V1PodIP { Ip = ip }],
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    public static void SetReady(V1Pod pod, bool ready) =>
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }];

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
