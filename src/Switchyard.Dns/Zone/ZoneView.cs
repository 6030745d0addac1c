namespace Switchyard.Dns.Zone;

/// <summary>The current zone snapshot behind one volatile field: readers take it once per query, writers swap it whole.</summary>
internal sealed class ZoneView
{
    private volatile ZoneSnapshot _current;

    public ZoneView(ZoneSnapshot initial) => _current = initial;

    public ZoneSnapshot Current => _current;

    /// <summary>Raised after every swap (tests and metrics; never on the query path).</summary>
    public event Action<ZoneSnapshot>? Swapped;

    public void Publish(ZoneSnapshot snapshot)
    {
        _current = snapshot;
        Swapped?.Invoke(snapshot);
    }
}
