using System.Net;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Tests.Server;

/// <summary>One server on 127.0.0.1:0 serving <see cref="Fixtures.Cluster"/> with verified pod records, no upstream.</summary>
public sealed class ZoneServerFixture : IAsyncLifetime
{
    private DnsComponent? _component;

    public int Port => _component!.Endpoint.Port;

    internal DnsComponent Component => _component!;

    public async Task InitializeAsync()
    {
        var options = new DnsOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Zone = new ZoneOptions { PodRecords = PodRecordsMode.Verified },
            UdpReceiveLoops = 2,
        };
        _component = DnsComponent.FromObjects(options, Fixtures.Cluster());
        await _component.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_component is not null) await _component.DisposeAsync();
    }
}
