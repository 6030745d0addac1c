using System.Net;
using Switchyard.Dns.Tests.Server;
using Switchyard.Store.Memory;

namespace Switchyard.Dns.Tests.Zone;

/// <summary>The zone follows the store: a Service written after start becomes answerable, a deleted one goes away.</summary>
public sealed class LiveUpdateTests
{
    [SkippableFact]
    public async Task StoreWrite_AfterStart_IsAnsweredThenDeleteIsNxDomain()
    {
        Skip.IfNot(Dig.Available, Dig.Missing);
        await using var store = new InMemoryResourceStore();
        await store.CreateAsync(Fixtures.Service("default", "first", "10.96.1.1"));
        await using var dns = DnsComponent.FromStore(new DnsOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), UdpReceiveLoops = 1 }, store);
        await dns.StartAsync();
        Assert.Equal("NOERROR", (await Dig.QueryAsync(dns.Endpoint.Port, "first.default.svc.cluster.local", "A")).Status);

        var created = await store.CreateAsync(Fixtures.Service("default", "second", "10.96.1.2"));
        Assert.True(created.Ok);
        var answer = await Poll(dns.Endpoint.Port, "second.default.svc.cluster.local", r => r.Answers.Count == 1);
        Assert.Equal("second.default.svc.cluster.local. A 10.96.1.2", Assert.Single(answer.Answers));

        await store.DeleteAsync(Switchyard.Model.Resources.ObjectRef.Of(created.Object!));
        var gone = await Poll(dns.Endpoint.Port, "second.default.svc.cluster.local", r => r.Status == "NXDOMAIN");
        Assert.Equal("NXDOMAIN", gone.Status);
    }

    private static async Task<DigResult> Poll(int port, string name, Func<DigResult, bool> done)
    {
        DigResult last = null!;
        for (var i = 0; i < 100; i++)
        {
            last = await Dig.QueryAsync(port, name, "A");
            if (done(last)) return last;
            await Task.Delay(50);
        }
        return last;
    }
}
