namespace Switchyard.Runtime.Pods;

/// <summary>
/// The kubelet's crash-loop back-off for one container: the first restart is immediate, the next ones wait
/// the initial delay doubling each time up to the maximum (10 s, 20 s, 40 s … 5 min by default); a run that
/// lasted at least the reset period starts the sequence over.
/// </summary>
internal sealed class RestartBackOff(TimeSpan initial, TimeSpan max, TimeSpan reset)
{
    private int _restarts;

    /// <summary>The delay before the next start, given how long the last run lasted.</summary>
    public TimeSpan Next(TimeSpan lastRun)
    {
        if (lastRun >= reset) _restarts = 0;
        var n = _restarts++;
        if (n == 0) return TimeSpan.Zero;
        var ticks = initial.Ticks * Math.Pow(2, Math.Min(n - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(ticks, max.Ticks));
    }
}
