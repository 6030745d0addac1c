using k8s;
using k8s.Models;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>
/// The mutable side of the zone: the Services, EndpointSlices and Pods seen so far, the records each contributes, and
/// the compiled node per owner name. A change recomputes only the records of the objects it touches and recompiles only
/// the owner names whose records changed; <see cref="Publish"/> then hands out a new immutable snapshot. Not thread-safe:
/// one feed drives it.
/// </summary>
internal sealed class ZoneState
{
    private readonly ZoneOptions _options;
    private readonly string _zone;
    private readonly Dictionary<(string Ns, string Name), V1Service> _services = [];
    private readonly Dictionary<(string Ns, string Name), V1EndpointSlice> _slices = [];
    private readonly Dictionary<(string Ns, string Service), SortedSet<string>> _slicesByService = [];
    private readonly Dictionary<(string Ns, string Name), V1Pod> _pods = [];
    private readonly Dictionary<UInt128, (string Ns, string Name)> _podAddresses = [];
    private readonly Dictionary<Source, Dictionary<string, List<DnsRecord>>> _contributions = [];
    private readonly Dictionary<string, Owner> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ZoneNode> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private bool _podsChanged = true;
    private Dictionary<UInt128, string> _podNamespaces = [];
    private uint _serial;

    private readonly TimeProvider _time;

    /// <param name="time">The clock the SOA serial is read from (<see cref="NextSerial"/>); the system's by default.</param>
    public ZoneState(ZoneOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _zone = options.NormalizedZone;
        SetContribution(new Source('A', "", ""), ApexRecords.For(options, _zone));
    }

    /// <summary>Owner names recompiled since the last publish (for tests and logs).</summary>
    public int PendingChanges => _dirty.Count;

    public void Apply(IKubernetesObject<V1ObjectMeta> obj, bool deleted)
    {
        switch (obj)
        {
            case V1Service s:
                if (deleted) RemoveService(Key(s));
                else UpsertService(s);
                break;
            case V1EndpointSlice e:
                if (deleted) RemoveSlice(Key(e));
                else UpsertSlice(e);
                break;
            case V1Pod p:
                if (deleted) RemovePod(Key(p));
                else UpsertPod(p);
                break;
        }
    }

    public ZoneSnapshot Publish()
    {
        foreach (var name in _dirty)
        {
            if (_owners.TryGetValue(name, out var owner)) _nodes[name] = Compile(name, owner);
            else _nodes.Remove(name);
        }
        _dirty.Clear();
        if (_podsChanged)
        {
            _podNamespaces = _podAddresses.ToDictionary(kv => kv.Key, kv => kv.Value.Ns);
            _podsChanged = false;
        }
        _serial = NextSerial(_serial, _time.GetUtcNow());
        return new ZoneSnapshot(_options, new Dictionary<string, ZoneNode>(_nodes, StringComparer.Ordinal), _podNamespaces, _serial);
    }

    /// <summary>
    /// The SOA serial of the next snapshot: the time in Unix seconds, or one more than the last serial when changes
    /// come faster than a second apart. It grows with every change and across restarts (RFC 1035 §3.3.13; CoreDNS
    /// also takes the time), where a count of snapshots would start again from 1.
    /// </summary>
    internal static uint NextSerial(uint last, DateTimeOffset now) => Math.Max(last + 1, (uint)now.ToUnixTimeSeconds());

    private void UpsertService(V1Service service)
    {
        var key = Key(service);
        _services[key] = service;
        RecomputeService(key);
    }

    private void RemoveService((string Ns, string Name) key)
    {
        _services.Remove(key);
        RecomputeService(key);
    }

    private void UpsertSlice(V1EndpointSlice slice)
    {
        var key = Key(slice);
        var before = _slices.TryGetValue(key, out var old) ? ServiceOf(old) : null;
        _slices[key] = slice;
        var after = ServiceOf(slice);
        if (before is not null && before != after)
        {
            Unindex(key, before);
            RecomputeService((key.Ns, before));
        }
        if (after is not null)
        {
            if (!_slicesByService.TryGetValue((key.Ns, after), out var set)) _slicesByService[(key.Ns, after)] = set = new(StringComparer.Ordinal);
            set.Add(key.Name);
            RecomputeService((key.Ns, after));
        }
    }

    private void RemoveSlice((string Ns, string Name) key)
    {
        if (!_slices.Remove(key, out var old)) return;
        var service = ServiceOf(old);
        if (service is null) return;
        Unindex(key, service);
        RecomputeService((key.Ns, service));
    }

    private void Unindex((string Ns, string Name) slice, string service)
    {
        if (_slicesByService.TryGetValue((slice.Ns, service), out var set) && set.Remove(slice.Name) && set.Count == 0)
            _slicesByService.Remove((slice.Ns, service));
    }

    private void UpsertPod(V1Pod pod)
    {
        var key = Key(pod);
        RemovePod(key);
        _pods[key] = pod;
        foreach (var ip in ServiceRecords.PodAddresses(pod)) _podAddresses[AddressKey.From(ip)] = key;
        _podsChanged = true;
        if (_options.PodRecords == PodRecordsMode.Verified) SetContribution(new Source('P', key.Ns, key.Name), ServiceRecords.ForPod(pod, _zone, _options.Ttl));
    }

    private void RemovePod((string Ns, string Name) key)
    {
        if (!_pods.Remove(key, out var old)) return;
        foreach (var ip in ServiceRecords.PodAddresses(old))
        {
            var a = AddressKey.From(ip);
            if (_podAddresses.TryGetValue(a, out var k) && k == key) _podAddresses.Remove(a);
        }
        _podsChanged = true;
        SetContribution(new Source('P', key.Ns, key.Name), []);
    }

    private void RecomputeService((string Ns, string Name) key)
    {
        var source = new Source('S', key.Ns, key.Name);
        if (!_services.TryGetValue(key, out var service))
        {
            SetContribution(source, []);
            return;
        }
        var slices = _slicesByService.TryGetValue(key, out var names)
            ? names.Select(n => _slices[(key.Ns, n)])
            : [];
        SetContribution(source, ServiceRecords.For(service, slices, _zone, _options.Ttl));
    }

    /// <summary>Replaces what one source contributes, marking every owner name whose records change.</summary>
    private void SetContribution(Source source, List<DnsRecord> records)
    {
        var next = records.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        _contributions.TryGetValue(source, out var previous);
        if (previous is not null)
        {
            foreach (var (name, list) in previous)
            {
                if (next.TryGetValue(name, out var same) && same.SequenceEqual(list)) continue;
                var owner = _owners[name];
                owner.BySource.Remove(source);
                _dirty.Add(name);
                if (!owner.Exists) RemoveOwner(name);
            }
        }
        foreach (var (name, list) in next)
        {
            if (previous is not null && previous.TryGetValue(name, out var same) && same.SequenceEqual(list)) continue;
            GetOrAddOwner(name).BySource[source] = list;
            _dirty.Add(name);
        }
        if (next.Count == 0) _contributions.Remove(source);
        else _contributions[source] = next;
    }

    private Owner GetOrAddOwner(string name)
    {
        if (_owners.TryGetValue(name, out var owner)) return owner;
        owner = new Owner();
        _owners[name] = owner;
        var parent = Parent(name);
        if (parent is not null)
        {
            GetOrAddOwner(parent).Children++;
            _dirty.Add(parent);
        }
        return owner;
    }

    private void RemoveOwner(string name)
    {
        _owners.Remove(name);
        _dirty.Add(name);
        var parent = Parent(name);
        if (parent is null || !_owners.TryGetValue(parent, out var p)) return;
        p.Children--;
        _dirty.Add(parent);
        if (!p.Exists) RemoveOwner(parent);
    }

    /// <summary>The parent of a name below the zone apex (null at or outside the zone: no empty non-terminals there).</summary>
    private string? Parent(string name)
    {
        if (name.Length <= _zone.Length || !DnsNames.IsInZone(name, _zone)) return null;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? null : name[(dot + 1)..];
    }

    private ZoneNode Compile(string name, Owner owner)
    {
        var records = owner.BySource.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value).Distinct().ToList();
        var inZone = DnsNames.IsInZone(name, _zone);
        var cname = records.FirstOrDefault(r => r.Type == RecordType.CNAME);
        if (cname is not null)
        {
            var target = ((NameData)cname.Data).Target;
            return new ZoneNode(name, inZone, [], [], ResponseTemplate.Build(name, [cname], [], target), null);
        }
        var types = new List<RecordType>();
        var templates = new List<ResponseTemplate>();
        foreach (var group in records.GroupBy(r => r.Type).OrderBy(g => g.Key))
        {
            var answers = group.ToList();
            types.Add(group.Key);
            templates.Add(ResponseTemplate.Build(name, answers, AdditionalFor(answers)));
        }
        var any = records.Count == 0 ? null : ResponseTemplate.Build(name, records, []);
        return new ZoneNode(name, inZone, [.. types], [.. templates], null, any);
    }

    /// <summary>Address records of SRV and NS targets that this zone holds (RFC 2782 / RFC 1035 additional processing).</summary>
    private List<DnsRecord> AdditionalFor(List<DnsRecord> answers)
    {
        var extra = new List<DnsRecord>();
        var targets = answers.Select(r => r.Data switch
        {
            SrvData s => s.Target,
            NameData n when r.Type == RecordType.NS => n.Target,
            _ => null,
        }).OfType<string>().Distinct(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            if (!_owners.TryGetValue(target, out var owner)) continue;
            extra.AddRange(owner.BySource.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value)
                .Where(r => r.Type is RecordType.A or RecordType.AAAA).Distinct());
        }
        return extra;
    }

    private static string? ServiceOf(V1EndpointSlice slice) => 
        slice.Metadata?.Labels is { } labels && labels.TryGetValue(ServiceRecords.ServiceNameLabel, out var name) ? name : null;

    private static (string Ns, string Name) Key(IKubernetesObject<V1ObjectMeta> o) => (o.Metadata?.NamespaceProperty ?? "default", o.Metadata?.Name ?? "");

    private readonly record struct Source(char Kind, string Ns, string Name) : IComparable<Source>
    {
        public int CompareTo(Source other)
        {
            var c = Kind.CompareTo(other.Kind);
            if (c == 0) c = string.CompareOrdinal(Ns, other.Ns);
            return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
        }
    }

    private sealed class Owner
    {
        public Dictionary<Source, List<DnsRecord>> BySource { get; } = [];
        public int Children { get; set; }
        public bool Exists => BySource.Count > 0 || Children > 0;
    }
}
