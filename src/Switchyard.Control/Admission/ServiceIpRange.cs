using System.Net;
using Switchyard.Model.Networking;

namespace Switchyard.Control.Admission;

/// <summary>
/// The addresses of one service CIDR and which of them are taken. Not thread-safe: the allocator
/// guards it with its lock.
/// <para>
/// Usable addresses exclude the network address and, for IPv4, the broadcast address, as Kubernetes does.
/// Like Kubernetes (KEP-3070) the usable addresses are split in two bands: a lower "static" band of
/// min(max(16, size/16), 256) addresses (none when the range has fewer than 16) that users are
/// encouraged to pick from, and the upper "dynamic" band that automatic allocation uses first, so
/// user-chosen addresses rarely collide with allocated ones. Allocation starts at a random point
/// of the dynamic band and probes upward (wrapping) for a free address, then does the same in the
/// static band.
/// </para>
/// </summary>
internal sealed class ServiceIpRange
{
    private readonly HashSet<ulong> _used = [];
    private readonly ulong _first;
    private readonly ulong _count;
    private readonly ulong _staticBand;

    public ServiceIpRange(IpPrefix cidr)
    {
        Cidr = cidr;
        _first = 1;
        _count = UsableCount(cidr);
        var size = cidr.Size > ulong.MaxValue ? ulong.MaxValue : (ulong)cidr.Size;
        _staticBand = size < 16 ? 0 : Math.Min(Math.Max(16UL, size / 16), 256UL);
        if (_staticBand >= _count) _staticBand = 0;
    }

    public IpPrefix Cidr { get; }

    public IpFamily Family => Cidr.Family;

    public ulong Used => (ulong)_used.Count;

    public ulong Free => _count - Used;

    /// <summary>Usable addresses of a range: all but the network address, and for IPv4 the broadcast address.</summary>
    public static ulong UsableCount(IpPrefix cidr)
    {
        var size = cidr.Size > ulong.MaxValue ? ulong.MaxValue : (ulong)cidr.Size;
        var reserved = cidr.Family == IpFamily.IPv4 ? 2UL : 1UL;
        return size <= reserved ? 0 : size - reserved;
    }

    /// <summary>True when <paramref name="address"/> is a usable address of this range.</summary>
    public bool Contains(IPAddress address) => Index(address) is not null;

    public bool IsUsed(IPAddress address) => Index(address) is { } i && _used.Contains(i);

    /// <summary>Marks an address taken; false when it is outside the range or already taken.</summary>
    public bool TryTake(IPAddress address) => Index(address) is { } i && _used.Add(i);

    public void Release(IPAddress address)
    {
        if (Index(address) is { } i) _used.Remove(i);
    }

    /// <summary>Takes a free address, or returns null when the range is full.</summary>
    public IPAddress? TakeAny(Random random)
    {
        if (Free == 0) return null;
        var found = Probe(random, _staticBand, _count - _staticBand) ?? Probe(random, 0, _staticBand);
        if (found is null) return null;
        _used.Add(found.Value);
        return Cidr.AddressAt(_first + found.Value).ToIPAddress();
    }

    private ulong? Probe(Random random, ulong start, ulong length)
    {
        if (length == 0) return null;
        var offset = length <= long.MaxValue ? (ulong)random.NextInt64((long)length) : (ulong)random.NextInt64();
        for (ulong n = 0; n < length; n++)
        {
            var candidate = start + ((offset + n) % length);
            if (!_used.Contains(candidate)) return candidate;
        }
        return null;
    }

    private ulong? Index(IPAddress address)
    {
        var a = NetAddress.From(address).Unmap();
        if (!Cidr.Contains(a)) return null;
        var offset = Cidr.OffsetOf(a);
        return offset >= _first && offset - _first < _count ? (ulong)(offset - _first) : null;
    }
}
