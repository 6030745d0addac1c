using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Tests.Zone;

/// <summary>The SOA serial grows with every snapshot and across restarts: it is the time, or one more than the last.</summary>
public sealed class ZoneSerialTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 7, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NextSerial_FirstSnapshot_IsTheTimeInUnixSeconds()
    {
        Assert.Equal((uint)Now.ToUnixTimeSeconds(), ZoneState.NextSerial(0, Now));
    }

    [Fact]
    public void NextSerial_ChangesWithinOneSecond_StillGrow()
    {
        var first = ZoneState.NextSerial(0, Now);
        var second = ZoneState.NextSerial(first, Now);
        Assert.Equal(first + 1, second);
        Assert.Equal(second + 1, ZoneState.NextSerial(second, Now.AddMilliseconds(500)));
    }

    [Fact]
    public void NextSerial_AfterARestart_AboveTheSerialsBefore()
    {
        // Before the restart, 50 snapshots in one second; the new process starts from 0 an hour later.
        var before = Enumerable.Range(0, 50).Aggregate(0u, (last, _) => ZoneState.NextSerial(last, Now));
        Assert.True(ZoneState.NextSerial(0, Now.AddHours(1)) > before);
    }
}
