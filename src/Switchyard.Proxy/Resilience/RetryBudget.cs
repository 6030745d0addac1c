namespace Switchyard.Proxy.Resilience;

/// <summary>
/// Caps retries in flight at <see cref="Ratio"/> of requests in flight, but always allows
/// <see cref="MinRetriesInFlight"/> (Envoy's retry budget). Shared by all routes of a proxy.
/// </summary>
internal sealed class RetryBudget(double ratio = 0.2, int minRetriesInFlight = 3)
{
    private int _requests;
    private int _retries;

    public double Ratio => ratio;
    public int MinRetriesInFlight => minRetriesInFlight;
    public int RetriesInFlight => Volatile.Read(ref _retries);

    public void RequestStarted() => Interlocked.Increment(ref _requests);

    public void RequestEnded() => Interlocked.Decrement(ref _requests);

    public bool TryAcquire()
    {
        var retries = Interlocked.Increment(ref _retries);
        if (retries <= minRetriesInFlight || retries <= Volatile.Read(ref _requests) * ratio) return true;
        Interlocked.Decrement(ref _retries);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _retries);
}
