using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Tests.Server;

/// <summary>
/// Names outside the zone go to a local unbound (loopback only, its own zone, everything else refused), with caching;
/// ExternalName targets are followed upstream; autopath completes the search list for a known pod (127.0.0.1).
/// </summary>
public sealed class ForwardingTests : IAsyncLifetime
{
    private Process? _unbound;
    private DnsComponent? _dns;
    private string? _dir;

    private static bool HasUnbound => File.Exists("/usr/sbin/unbound");

    public async Task InitializeAsync()
    {
        if (!HasUnbound || !Dig.Available) return;
        _dir = Directory.CreateTempSubdirectory("sy-unbound").FullName;
        // unbound binds UDP and TCP on a port picked free a moment before; another process can take it in between
        // (CI runs test assemblies side by side), and unbound then exits at start. A new port is tried then.
        var port = 0;
        var failures = new List<string>();
        for (var attempt = 0; attempt < 5 && _unbound is null; attempt++)
        {
            port = FreePort();
            var failure = await StartUnboundAsync(port);
            if (failure is not null) failures.Add(failure);
        }
        if (_unbound is null)
            throw new InvalidOperationException("unbound did not start: " + string.Join(" | ", failures));
        _dns = DnsComponent.FromObjects(new DnsOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Upstreams = [new IPEndPoint(IPAddress.Loopback, port)],
            Autopath = true,
            Zone = new ZoneOptions(),
            UdpReceiveLoops = 1,
        }, Fixtures.Cluster());
        await _dns.StartAsync();
    }

    /// <summary>A loopback port free for both UDP and TCP at this moment.</summary>
    private static int FreePort()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return port;
        }
        catch (SocketException)
        {
            return FreePort();
        }
    }

    /// <summary>Starts unbound on <paramref name="port"/> and waits until it answers; null when it does, else why not.</summary>
    private async Task<string?> StartUnboundAsync(int port)
    {
        File.WriteAllText(Path.Combine(_dir!, "unbound.conf"), $"""
            server:
              interface: 127.0.0.1
              port: {port}
              do-daemonize: no
              use-syslog: no
              username: ""
              chroot: ""
              directory: "{_dir}"
              pidfile: ""
              do-ip6: no
              access-control: 127.0.0.0/8 allow
              local-zone: "." refuse
              local-zone: "example.test." static
              local-data: "example.test. 300 IN SOA ns.example.test. h.example.test. 1 3600 600 86400 60"
              local-data: "www.example.test. 300 IN A 192.0.2.53"
            """);
        var unbound = Process.Start(new ProcessStartInfo("/usr/sbin/unbound", ["-d", "-c", Path.Combine(_dir!, "unbound.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = unbound.StandardError.ReadToEndAsync();
        // unbound can take seconds to start on a loaded machine; until it answers, forwarded queries fail fast and the
        // tests would see only the in-zone part of an answer.
        var ready = Stopwatch.StartNew();
        while ((await Dig.QueryAsync(port, "www.example.test", "A")).Status != "NOERROR")
        {
            if (unbound.HasExited)
            {
                var failure = $"port {port}: exited {unbound.ExitCode}: {(await errors).Trim()}";
                unbound.Dispose();
                return failure;
            }
            if (ready.Elapsed > TimeSpan.FromSeconds(60))
            {
                unbound.Kill();
                unbound.Dispose();
                return $"port {port}: no answer within 60 s";
            }
            await Task.Delay(100);
        }
        _unbound = unbound;
        return null;
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null) await _dns.DisposeAsync();
        if (_unbound is { HasExited: false }) _unbound.Kill();
        _unbound?.Dispose();
        if (_dir is not null) Directory.Delete(_dir, recursive: true);
    }

    private void SkipIfMissing()
    {
        Skip.IfNot(Dig.Available, Dig.Missing);
        Skip.IfNot(HasUnbound, "unbound is not installed; ./test installs it when run as root");
    }

    [SkippableFact]
    public async Task OutsideZone_Forwarded_AnswersAndCaches()
    {
        SkipIfMissing();
        var first = await Dig.QueryAsync(_dns!.Endpoint.Port, "www.example.test", "A");
        Assert.Equal("NOERROR", first.Status);
        Assert.Equal(["www.example.test. A 192.0.2.53"], first.Answers);
        Assert.Contains("ra", first.Flags);
        Assert.DoesNotContain("aa", first.Flags);
        var second = await Dig.QueryAsync(_dns.Endpoint.Port, "WWW.example.test", "A", tcp: true);
        Assert.Equal(first.Answers, second.Answers);
        Assert.Contains("switchyard_dns_cache_hits_total 1", _dns.Metrics.Render(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task OutsideZone_UpstreamNxDomain_IsRelayedWithSoa()
    {
        SkipIfMissing();
        var result = await Dig.QueryAsync(_dns!.Endpoint.Port, "nope.example.test", "A");
        Assert.Equal("NXDOMAIN", result.Status);
        Assert.StartsWith("example.test. SOA", Assert.Single(result.Authority), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ExternalName_WithUpstream_FollowsCname()
    {
        SkipIfMissing();
        var result = await Dig.QueryAsync(_dns!.Endpoint.Port, "ext.default.svc.cluster.local", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.Equal(["ext.default.svc.cluster.local. CNAME www.example.test.", "www.example.test. A 192.0.2.53"], result.Answers);
        Assert.Contains("aa", result.Flags); // for the asked name, the zone's, though the chain ends upstream (RFC 1035 §4.1.1)
    }

    [SkippableTheory]
    [InlineData("www.example.test")] // forwarded
    [InlineData("ext.default.svc.cluster.local")] // chased upstream
    [InlineData("web.default.svc.cluster.local")] // answered from the zone
    public async Task DnssecOk_CopiedIntoTheResponse(string name)
    {
        SkipIfMissing();
        var asked = await Dig.QueryAsync(_dns!.Endpoint.Port, name, "A", false, "+dnssec");
        var plain = await Dig.QueryAsync(_dns.Endpoint.Port, name, "A");

        Assert.Equal("NOERROR", asked.Status);
        Assert.Matches(@"; EDNS: version: 0, flags: do;", asked.Raw); // RFC 3225 §3: the DO bit of the query is copied
        Assert.Matches(@"; EDNS: version: 0, flags:;", plain.Raw);
    }

    [SkippableFact]
    public async Task Autopath_PodSearchListExpansion_AnswersFirstExistingName()
    {
        SkipIfMissing();
        // dig runs on 127.0.0.1, the address of pod shop/client: its first search-list try for "web.default" is
        // web.default.shop.svc.cluster.local; autopath answers with the name that exists, web.default.svc.cluster.local.
        var result = await Dig.QueryAsync(_dns!.Endpoint.Port, "web.default.shop.svc.cluster.local", "A");
        Assert.Equal("NOERROR", result.Status);
        Assert.Equal(["web.default.shop.svc.cluster.local. CNAME web.default.svc.cluster.local.", "web.default.svc.cluster.local. A 10.96.0.10"], result.Answers);
    }

    [SkippableFact]
    public async Task Autopath_NothingExists_IsNxDomain()
    {
        SkipIfMissing();
        var result = await Dig.QueryAsync(_dns!.Endpoint.Port, "nothing.shop.svc.cluster.local", "A");
        Assert.Equal("NXDOMAIN", result.Status);
    }
}
