namespace Switchyard.Dns.Tests.Server;

/// <summary>
/// The Kubernetes DNS-Based Service Discovery specification (schema 1.1.0), case by case, asked with the real dig over
/// UDP and over TCP. Each row: question, expected rcode, expected answer records ("owner TYPE data", TTL omitted).
/// </summary>
public sealed class SpecificationTests(ZoneServerFixture server) : IClassFixture<ZoneServerFixture>
{
    private const string Soa = "cluster.local. SOA ns.dns.cluster.local. hostmaster.cluster.local.";

    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        // §2.2 schema version
        { "dns-version.cluster.local", "TXT", "NOERROR", ["dns-version.cluster.local. TXT \"1.1.0\""] },
        // §2.3.1 A/AAAA for a ClusterIP service (dual-stack), names are case-insensitive
        { "web.default.svc.cluster.local", "A", "NOERROR", ["web.default.svc.cluster.local. A 10.96.0.10"] },
        { "WEB.Default.SVC.Cluster.Local", "A", "NOERROR", ["web.default.svc.cluster.local. A 10.96.0.10"] },
        { "web.default.svc.cluster.local", "AAAA", "NOERROR", ["web.default.svc.cluster.local. AAAA fd00::10"] },
        { "cart.shop.svc.cluster.local", "A", "NOERROR", ["cart.shop.svc.cluster.local. A 10.96.0.20"] },
        // §2.3.2 SRV per named port; unnamed ports have none
        { "_http._tcp.web.default.svc.cluster.local", "SRV", "NOERROR", ["_http._tcp.web.default.svc.cluster.local. SRV 0 100 80 web.default.svc.cluster.local."] },
        { "_dns._udp.web.default.svc.cluster.local", "SRV", "NOERROR", ["_dns._udp.web.default.svc.cluster.local. SRV 0 100 53 web.default.svc.cluster.local."] },
        { "_http._udp.web.default.svc.cluster.local", "SRV", "NXDOMAIN", [] },
        // §2.3.3 PTR for the cluster IPs
        { "10.0.96.10.in-addr.arpa", "PTR", "NOERROR", ["10.0.96.10.in-addr.arpa. PTR web.default.svc.cluster.local."] },
        { "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", "PTR", "NOERROR", ["0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. PTR web.default.svc.cluster.local."] },
        // §2.4.1 headless: ready endpoints only, per-endpoint hostname records (explicit or generated)
        { "db.default.svc.cluster.local", "A", "NOERROR", ["db.default.svc.cluster.local. A 10.1.0.1", "db.default.svc.cluster.local. A 10.1.0.2"] },
        { "db.default.svc.cluster.local", "AAAA", "NOERROR", ["db.default.svc.cluster.local. AAAA fd00::1:1"] },
        { "db-0.db.default.svc.cluster.local", "A", "NOERROR", ["db-0.db.default.svc.cluster.local. A 10.1.0.1"] },
        { "db-0.db.default.svc.cluster.local", "AAAA", "NOERROR", ["db-0.db.default.svc.cluster.local. AAAA fd00::1:1"] },
        { "10-1-0-2.db.default.svc.cluster.local", "A", "NOERROR", ["10-1-0-2.db.default.svc.cluster.local. A 10.1.0.2"] },
        { "db-2.db.default.svc.cluster.local", "A", "NXDOMAIN", [] },
        // publishNotReadyAddresses publishes endpoints that are not ready
        { "db-all.default.svc.cluster.local", "A", "NOERROR", ["db-all.default.svc.cluster.local. A 10.1.0.9"] },
        // headless without ready endpoints: NXDOMAIN
        { "lonely.default.svc.cluster.local", "A", "NXDOMAIN", [] },
        // §2.4.2 SRV per ready endpoint and named port, target = hostname
        { "_pg._tcp.db.default.svc.cluster.local", "SRV", "NOERROR", [
            "_pg._tcp.db.default.svc.cluster.local. SRV 0 100 5432 db-0.db.default.svc.cluster.local.",
            "_pg._tcp.db.default.svc.cluster.local. SRV 0 100 5432 10-1-0-2.db.default.svc.cluster.local."] },
        // §2.4.3 PTR for endpoints
        { "1.0.1.10.in-addr.arpa", "PTR", "NOERROR", ["1.0.1.10.in-addr.arpa. PTR db-0.db.default.svc.cluster.local."] },
        // §2.5 ExternalName: CNAME (no upstream here, so not followed outside the zone)
        { "ext.default.svc.cluster.local", "CNAME", "NOERROR", ["ext.default.svc.cluster.local. CNAME www.example.test."] },
        { "ext.default.svc.cluster.local", "A", "NOERROR", ["ext.default.svc.cluster.local. CNAME www.example.test."] },
        // an ExternalName pointing into the zone is followed
        { "alias.default.svc.cluster.local", "A", "NOERROR", ["alias.default.svc.cluster.local. CNAME web.default.svc.cluster.local.", "web.default.svc.cluster.local. A 10.96.0.10"] },
        // §2.6 pod records (verified mode: only addresses pods have)
        { "10-244-0-5.default.pod.cluster.local", "A", "NOERROR", ["10-244-0-5.default.pod.cluster.local. A 10.244.0.5"] },
        { "10-244-0-6.default.pod.cluster.local", "A", "NXDOMAIN", [] },
        // apex
        { "cluster.local", "NS", "NOERROR", ["cluster.local. NS ns.dns.cluster.local."] },
        { "ns.dns.cluster.local", "A", "NOERROR", ["ns.dns.cluster.local. A 127.0.0.1"] }, // the address it listens on
        // NODATA: the name exists, the type does not; empty non-terminals exist
        { "web.default.svc.cluster.local", "MX", "NOERROR", [] },
        { "web.default.svc.cluster.local", "TXT", "NOERROR", [] },
        { "default.svc.cluster.local", "A", "NOERROR", [] },
        { "_tcp.web.default.svc.cluster.local", "SRV", "NOERROR", [] },
        // NXDOMAIN
        { "missing.default.svc.cluster.local", "A", "NXDOMAIN", [] },
        { "web.nons.svc.cluster.local", "A", "NXDOMAIN", [] },
        // outside the zone with no upstream
        { "example.org", "A", "REFUSED", [] },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Query_OverUdp_MatchesSpecification(string name, string type, string rcode, string[] answers) =>
        await Check(name, type, rcode, answers, tcp: false);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Query_OverTcp_MatchesSpecification(string name, string type, string rcode, string[] answers) =>
        await Check(name, type, rcode, answers, tcp: true);

    private async Task Check(string name, string type, string rcode, string[] answers, bool tcp)
    {
        Skip.IfNot(Dig.Available, Dig.Missing);
        var result = await Dig.QueryAsync(server.Port, name, type, tcp);
        Assert.True(rcode == result.Status, $"status {result.Status}, expected {rcode}\n{result.Raw}");
        Assert.Equal(answers.Order(StringComparer.Ordinal), result.Answers.Order(StringComparer.Ordinal));
        if (rcode == "REFUSED") return;
        Assert.Contains("aa", result.Flags);
        if (answers.Length == 0)
        {
            // RFC 2308: negative answers carry the zone's SOA in the authority section.
            var soa = Assert.Single(result.Authority);
            Assert.StartsWith(Soa, soa, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Soa_AtApex_HasNegativeTtlAsMinimum()
    {
        Skip.IfNot(Dig.Available, Dig.Missing);
        var result = await Dig.QueryAsync(server.Port, "cluster.local", "SOA");
        var soa = Assert.Single(result.Answers);
        Assert.StartsWith(Soa, soa, StringComparison.Ordinal);
        Assert.EndsWith(" 7200 1800 86400 5", soa, StringComparison.Ordinal);
    }
}
