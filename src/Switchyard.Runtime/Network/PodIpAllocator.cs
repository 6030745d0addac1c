using System.Net;
using System.Net.Sockets;

namespace Switchyard.Runtime.Network;

/// <summary>
/// Hands out pod IPs from one range, each to one pod (by uid) at a time. The store is the record:
/// at start the runtime reserves what <c>status.podIP</c> says for every pod, so a restart reuses
/// addresses and never hands one out twice. Allocation continues after the last address given
/// (wrapping), so a freed address is not reused at once. Thread-safe.
/// </summary>
public sealed class PodIpAllocator
{
    private readonly Lock _lock = new();
    private readonly Ipv4Range _range;
    private readonly Dictionary<uint, string> _owners = [];
    private readonly Dictionary<string, uint> _byPod = new(StringComparer.Ordinal);
    private uint _next;

    public PodIpAllocator(Ipv4Range range)
    {
        _range = range;
        _next = range.First;
    }

    public int Allocated
    {
        get { lock (_lock) return _owners.Count; }
    }

    /// <summary>The address held by a pod, if any.</summary>
    public string? AddressOf(string podUid)
    {
        lock (_lock) return _byPod.TryGetValue(podUid, out var a) ? Ipv4Range.ToAddress(a).ToString() : null;
    }

    /// <summary>
    /// Reserves <paramref name="address"/> for a pod (what the store recorded). False when the address is
    /// outside the range, not IPv4, or held by another pod; then the pod needs a new address.
    /// </summary>
    public bool TryReserve(string podUid, string? address)
    {
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        var value = Ipv4Range.ToUInt(ip);
        if (value < _range.First || value > _range.Last) return false;
        lock (_lock)
        {
            if (_owners.TryGetValue(value, out var owner)) return owner == podUid;
            if (_byPod.ContainsKey(podUid)) return false;
            _owners[value] = podUid;
            _byPod[podUid] = value;
            return true;
        }
    }

    /// <summary>The pod's address, allocating a free one if it has none; null when the range is exhausted.</summary>
    public string? Allocate(string podUid)
    {
        lock (_lock)
        {
            if (_byPod.TryGetValue(podUid, out var held)) return Ipv4Range.ToAddress(held).ToString();
            for (long i = 0; i < _range.UsableCount; i++)
            {
                var candidate = _next;
                _next = _next >= _range.Last ? _range.First : _next + 1;
                if (_owners.ContainsKey(candidate)) continue;
                _owners[candidate] = podUid;
                _byPod[podUid] = candidate;
                return Ipv4Range.ToAddress(candidate).ToString();
            }
            return null;
        }
    }

    public void Release(string podUid)
    {
        lock (_lock)
        {
            if (_byPod.Remove(podUid, out var a)) _owners.Remove(a);
        }
    }
}
