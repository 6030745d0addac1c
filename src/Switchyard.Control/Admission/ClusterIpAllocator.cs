using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Model.Networking;
using Switchyard.Model.Validation;
using Switchyard.Store;

namespace Switchyard.Control.Admission;

/// <summary>
/// Gives Services their cluster IPs, as the Kubernetes API server's service registry does: on
/// create it allocates <c>spec.clusterIP(s)</c> from the configured service ranges (one per family
/// the Service asks for), checks and reserves user-chosen addresses, keeps them immutable on update,
/// and frees them when a Service is deleted or becomes ExternalName.
/// <para>
/// Reservations live in memory under one lock. <see cref="InitializeAsync"/> rebuilds them from the
/// Services in the store at start. An admission reserves addresses as "pending";
/// <see cref="Completed"/> makes them permanent when the write committed, or frees them when it did not.
/// </para>
/// </summary>
public sealed partial class ClusterIpAllocator : IAdmissionPlugin
{
    private readonly Lock _lock = new();
    private readonly ServiceIpRange[] _ranges;
    private readonly Dictionary<IPAddress, Holder> _holders = [];
    private readonly Dictionary<AdmissionRequest, PendingChange> _pending = new(ReferenceEqualityComparer.Instance);
    private readonly Random _random;
    private readonly ILogger _logger;

    /// <param name="options">Service ranges; validated here (an invalid set throws, listing every problem).</param>
    /// <param name="random">Where allocation starts probing; pass a seeded instance for deterministic tests.</param>
    public ClusterIpAllocator(ClusterNetworkOptions options, Random? random = null, ILogger<ClusterIpAllocator>? logger = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid cluster network options: " + string.Join("; ", errors), nameof(options));
        }
        _ranges = options.ParsedServiceCidrs().Select(c => new ServiceIpRange(c)).ToArray();
        _random = random ?? new Random();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The family of the first configured range: what a Service gets when it asks for none.</summary>
    public IpFamily PrimaryFamily => _ranges[0].Family;

    /// <summary>True when one IPv4 and one IPv6 range are configured.</summary>
    public bool DualStack => _ranges.Length == 2;

    /// <summary>The configured range of a family, as text, or null.</summary>
    public string? RangeOf(IpFamily family) => RangeFor(family)?.Cidr.ToString();

    /// <summary>True when the address is reserved, pending or committed.</summary>
    public bool IsAllocated(IPAddress address)
    {
        lock (_lock) return _holders.ContainsKey(address);
    }

    /// <summary>How many addresses of a family are reserved (pending or committed).</summary>
    public long CountAllocated(IpFamily family)
    {
        lock (_lock) return RangeFor(family) is { } r ? (long)r.Used : 0;
    }

    /// <summary>
    /// Rebuilds the committed reservations from the Services in the store (pending ones are kept).
    /// Addresses outside every range, or claimed twice, are logged and left unreserved, as the
    /// Kubernetes repair loop reports them.
    /// </summary>
    public async Task InitializeAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        var list = await store.ListAsync(new ListQuery(ResourceKinds.Service), cancellationToken);
        lock (_lock)
        {
            foreach (var (address, holder) in _holders.Where(h => h.Value.Committed).ToList())
            {
                Release(address, holder);
            }
            foreach (var svc in list.Items.OfType<V1Service>())
            {
                var key = KeyOf(svc);
                foreach (var address in AddressesOf(svc.Spec))
                {
                    if (RangeFor(IpFamilies.Of(address)) is not { } range || !range.Contains(address))
                    {
                        _logger.LogWarning("Service {Service} has cluster IP {Address}, which is outside the configured service ranges", key, address);
                    }
                    else if (_holders.TryGetValue(address, out var other))
                    {
                        _logger.LogWarning("Service {Service} has cluster IP {Address}, which Service {Other} also holds", key, address, other.Service);
                    }
                    else
                    {
                        Take(range, address, key, committed: true);
                    }
                }
            }
        }
    }

    public ValueTask<IReadOnlyList<FieldError>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation == AdmissionOperation.Delete || request.Object is not V1Service service)
        {
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([]);
        }
        lock (_lock)
        {
            var errors = new List<FieldError>();
            var change = Admit(service, request.Existing as V1Service, errors);
            if (errors.Count > 0)
            {
                foreach (var address in change.Reserved) Release(address, _holders[address]);
                return ValueTask.FromResult<IReadOnlyList<FieldError>>(errors);
            }
            if (change.Reserved.Count > 0 || change.ReleaseOnCommit.Count > 0) _pending[request] = change;
            return ValueTask.FromResult<IReadOnlyList<FieldError>>([]);
        }
    }

    public void Completed(AdmissionRequest request, bool committed)
    {
        lock (_lock)
        {
            if (request.Operation == AdmissionOperation.Delete)
            {
                if (committed && request.Existing is V1Service gone) ReleaseHeldBy(KeyOf(gone), AddressesOf(gone.Spec));
                return;
            }
            if (!_pending.Remove(request, out var change) && !TryRemovePendingFor(request, out change)) return;
            if (committed)
            {
                foreach (var address in change.Reserved)
                {
                    if (_holders.TryGetValue(address, out var h)) h.Committed = true;
                }
                ReleaseHeldBy(change.Service, change.ReleaseOnCommit);
            }
            else
            {
                foreach (var address in change.Reserved)
                {
                    if (_holders.TryGetValue(address, out var h) && !h.Committed) Release(address, h);
                }
            }
        }
    }

    /// <summary>
    /// Frees committed addresses whose Service no longer holds them in the store (deleted behind
    /// admission's back). Only reservations committed before the list are considered, so a write that
    /// commits meanwhile is never undone. Returns the revision of the list.
    /// </summary>
    public async Task<long> RepairAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        List<(IPAddress Address, Holder Holder)> committed;
        lock (_lock)
        {
            committed = _holders.Where(h => h.Value.Committed).Select(h => (h.Key, h.Value)).ToList();
        }
        var list = await store.ListAsync(new ListQuery(ResourceKinds.Service), cancellationToken);
        var held = list.Items.OfType<V1Service>().SelectMany(s => AddressesOf(s.Spec).Select(a => (KeyOf(s), a))).ToHashSet();
        lock (_lock)
        {
            foreach (var (address, holder) in committed)
            {
                if (held.Contains((holder.Service, address))) continue;
                _logger.LogInformation("released cluster IP {Address}: Service {Service} no longer holds it", address, holder.Service);
                Release(address, holder);
            }
        }
        return list.Revision;
    }

    /// <summary>
    /// Frees the addresses of a Service the store reports deleted, for deletes that did not pass
    /// through admission. <paramref name="currentAsync"/> reads the Service as stored now; an address the
    /// current object (a re-created Service of the same name) holds, or that was reserved again since
    /// this method started, is kept.
    /// </summary>
    public async Task ReleaseDeletedAsync(V1Service deleted, Func<CancellationToken, ValueTask<V1Service?>> currentAsync, CancellationToken cancellationToken)
    {
        var key = KeyOf(deleted);
        List<(IPAddress Address, Holder Holder)> candidates;
        lock (_lock)
        {
            candidates = AddressesOf(deleted.Spec)
                .Where(a => _holders.TryGetValue(a, out var h) && h.Service == key && h.Committed)
                .Select(a => (a, _holders[a])).ToList();
        }
        if (candidates.Count == 0) return;
        var current = await currentAsync(cancellationToken);
        var stillHeld = AddressesOf(current?.Spec).ToHashSet();
        lock (_lock)
        {
            foreach (var (address, holder) in candidates)
            {
                if (!stillHeld.Contains(address)) Release(address, holder);
            }
        }
    }

    private bool TryRemovePendingFor(AdmissionRequest request, out PendingChange change)
    {
        // Fallback for a caller that passes an equal but not identical request: match the service and its addresses.
        change = null!;
        if (request.Object is not V1Service svc) return false;
        var key = KeyOf(svc);
        var addresses = AddressesOf(svc.Spec).ToHashSet();
        foreach (var (r, c) in _pending)
        {
            if (c.Service == key && c.Reserved.All(addresses.Contains))
            {
                _pending.Remove(r);
                change = c;
                return true;
            }
        }
        return false;
    }

    private void ReleaseHeldBy(string service, IEnumerable<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            if (_holders.TryGetValue(address, out var h) && h.Service == service && h.Committed) Release(address, h);
        }
    }

    private void Take(ServiceIpRange range, IPAddress address, string service, bool committed)
    {
        range.TryTake(address);
        _holders[address] = new Holder(service) { Committed = committed };
    }

    private void Release(IPAddress address, Holder holder)
    {
        if (!_holders.TryGetValue(address, out var current) || !ReferenceEquals(current, holder)) return;
        _holders.Remove(address);
        RangeFor(IpFamilies.Of(address))?.Release(address);
    }

    private ServiceIpRange? RangeFor(IpFamily family) => Array.Find(_ranges, r => r.Family == family);

    private static string KeyOf(V1Service svc) => $"{svc.Metadata?.NamespaceProperty}/{svc.Metadata?.Name}";

    /// <summary>The real addresses a stored Service holds (none for headless and ExternalName Services).</summary>
    private static IEnumerable<IPAddress> AddressesOf(V1ServiceSpec? spec)
    {
        if (spec is null || spec.Type == ServiceTypes.ExternalName) yield break;
        IEnumerable<string> texts = spec.ClusterIPs is { Count: > 0 } ips ? ips : [spec.ClusterIP ?? ""];
        foreach (var text in texts)
        {
            if (IpFamilies.TryParseStrict(text, out var address)) yield return address;
        }
    }

    private sealed class Holder(string service)
    {
        public string Service { get; } = service;
        public bool Committed { get; set; }
    }

    private sealed record PendingChange(string Service, List<IPAddress> Reserved, List<IPAddress> ReleaseOnCommit);
}
