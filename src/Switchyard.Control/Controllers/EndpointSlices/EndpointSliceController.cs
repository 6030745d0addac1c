using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>
/// Keeps each selecting Service's EndpointSlices equal to the Pods it selects, like Kubernetes'
/// endpointslice controller. It watches Services, Pods and its own slices (list + watch, resuming
/// from the last revision, listing again on Expired); every change enqueues the Services it may
/// affect in a coalescing work queue; a worker then reads the Service's managed slices fresh from
/// the store, plans the writes (<see cref="SlicePlanner"/>) and commits them in one transaction,
/// starting over when the store reports a conflict. Slices without our managed-by label are never
/// read or written.
/// </summary>
public sealed class EndpointSliceController : IController
{
    private const int MaxAttempts = 8;

    private static readonly Selector ManagedSelector = Selector.FromMap(new Dictionary<string, string>
    {
        [EndpointSliceLabels.ManagedBy] = EndpointSliceLabels.ControllerName,
    });

    private readonly EndpointSliceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public EndpointSliceController(EndpointSliceOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new EndpointSliceOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EndpointSliceController>();
    }

    public string Name => "endpointslice";

    public async Task RunAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<ServiceKey>(_time, _options.RetryBaseDelay, _options.RetryMaxDelay);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Informer? services = null;
        services = new Informer(ResourceKinds.Service, null, (o, n) => queue.Add(ServiceKey.Of(n ?? o!)), _time, _logger);
        var pods = new Informer(ResourceKinds.Pod, null, (o, n) => OnPodChanged(services, queue, o as V1Pod, n as V1Pod), _time, _logger);
        var slices = new Informer(ResourceKinds.EndpointSlice, ManagedSelector, (o, n) => OnSliceChanged(queue, n ?? o!), _time, _logger);
        var state = new State(store, services, pods);

        var informers = new[] { services, pods, slices }.Select(i => i.RunAsync(store, stop.Token)).ToList();
        try
        {
            await Task.WhenAll(services.Synced, pods.Synced, slices.Synced).WaitAsync(stop.Token);
            foreach (var svc in services.ListAll()) queue.Add(ServiceKey.Of(svc));
            foreach (var slice in slices.ListAll()) OnSliceChanged(queue, slice);
            _logger.LogInformation("endpointslice controller synced: {Services} services, {Pods} pods, {Slices} managed slices",
                services.ListAll().Count, pods.ListAll().Count, slices.ListAll().Count);

            var workers = Enumerable.Range(0, _options.Workers).Select(_ => queue.RunWorkerAsync(
                async (key, ct) =>
                {
                    await SyncAsync(state, key, ct);
                    return null;
                },
                (key, e, delay) => _logger.LogWarning(e, "syncing EndpointSlices of Service {Service} failed; retrying in {Delay}", key, delay),
                stop.Token)).ToList();
            await Task.WhenAny(workers.Concat(informers));
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("an endpointslice worker or watch stopped unexpectedly");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(informers).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task SyncAsync(State state, ServiceKey key, CancellationToken cancellationToken)
    {
        var unavailable = new HashSet<string>(StringComparer.Ordinal);
        var sliceQuery = new ListQuery(ResourceKinds.EndpointSlice, key.Namespace, Selector.FromMap(new Dictionary<string, string>
        {
            [EndpointSliceLabels.ManagedBy] = EndpointSliceLabels.ControllerName,
            [EndpointSliceLabels.ServiceName] = key.Name,
        }));
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var existing = (await state.Store.ListAsync(sliceQuery, cancellationToken)).Items.OfType<V1EndpointSlice>().ToList();
            var plan = PlanFor(state, key, existing, unavailable);
            if (plan.IsEmpty) return;

            var operations = new List<StoreOperation>();
            operations.AddRange(plan.Delete.Select(s => StoreOperation.Delete(ObjectRef.Of(s), s.Metadata.ResourceVersion)));
            operations.AddRange(plan.Update.Select(s => StoreOperation.Update(s)));
            operations.AddRange(plan.Create.Select(s => StoreOperation.Create(s)));
            var result = await state.Store.CommitAsync(operations, cancellationToken);
            if (result.Committed)
            {
                _logger.LogDebug("Service {Service}: {Created} slices created, {Updated} updated, {Deleted} deleted",
                    key, plan.Create.Count, plan.Update.Count, plan.Delete.Count);
                return;
            }
            var failed = operations[result.Failed!.Value];
            var status = result.Results.Count > 0 ? result.Results[0].Status : WriteStatus.Conflict;
            if (status == WriteStatus.AlreadyExists) unavailable.Add(failed.Key.Name);
            _logger.LogDebug("Service {Service}: {Operation} of {Slice} answered {Status}; reading again", key, failed.Type, failed.Key.Name, status);
        }
        throw new InvalidOperationException($"EndpointSlices of Service {key} still conflict after {MaxAttempts} attempts");
    }

    private SlicePlan PlanFor(State state, ServiceKey key, List<V1EndpointSlice> existing, HashSet<string> unavailable)
    {
        if (state.Services.Get(key.Namespace, key.Name) is not V1Service service || !DesiredEndpoints.Manages(service))
        {
            return new SlicePlan([], [], existing);
        }
        var selector = DesiredEndpoints.SelectorOf(service);
        var pods = state.Pods.List(key.Namespace).OfType<V1Pod>().Where(p => selector.Matches(p.Metadata?.Labels)).ToList();
        var families = DesiredEndpoints.FamiliesOf(service, pods);
        var desired = DesiredEndpoints.Compute(service, pods, families);
        return SlicePlanner.Plan(service, families, desired, existing, _options.MaxEndpointsPerSlice, unavailable);
    }

    /// <summary>A pod change concerns every Service of its namespace that selected it before or selects it now.</summary>
    private static void OnPodChanged(Informer? services, WorkQueue<ServiceKey> queue, V1Pod? old, V1Pod? now)
    {
        var pod = now ?? old;
        if (services is null || pod?.Metadata is null) return;
        foreach (var svc in services.List(pod.Metadata.NamespaceProperty).OfType<V1Service>())
        {
            if (!DesiredEndpoints.Manages(svc)) continue;
            var selector = DesiredEndpoints.SelectorOf(svc);
            if ((old is not null && selector.Matches(old.Metadata?.Labels)) || (now is not null && selector.Matches(now.Metadata?.Labels)))
            {
                queue.Add(ServiceKey.Of(svc));
            }
        }
    }

    /// <summary>A change to one of our slices (also a user's edit or delete) makes its Service re-checked.</summary>
    private static void OnSliceChanged(WorkQueue<ServiceKey> queue, IKubernetesObject<V1ObjectMeta> slice)
    {
        if (slice.Metadata?.Labels?.TryGetValue(EndpointSliceLabels.ServiceName, out var service) == true && service.Length > 0)
        {
            queue.Add(new ServiceKey(slice.Metadata.NamespaceProperty ?? "", service));
        }
    }

    private sealed record State(IResourceStore Store, Informer Services, Informer Pods);

    private readonly record struct ServiceKey(string Namespace, string Name)
    {
        public static ServiceKey Of(IKubernetesObject<V1ObjectMeta> obj) => new(obj.Metadata?.NamespaceProperty ?? "", obj.Metadata?.Name ?? "");

        public override string ToString() => $"{Namespace}/{Name}";
    }
}
