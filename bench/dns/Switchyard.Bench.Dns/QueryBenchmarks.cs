using System.Net;
using BenchmarkDotNet.Attributes;
using k8s;
using k8s.Models;
using Switchyard.Dns.Answer;
using Switchyard.Dns.Wire;
using Switchyard.Dns.Zone;
using ArDns = ARSoft.Tools.Net.Dns;

namespace Switchyard.Bench.Dns;

/// <summary>
/// One in-zone query answered end to end in memory (parse, look up, write the response), for Switchyard's fast path
/// and for ARSoft.Tools.Net's message model (parse the query, build the answer, encode it) — the work its server does
/// per query besides the socket.
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    private QueryResponder _responder = null!;
    private readonly byte[] _response = new byte[4096];
    private byte[] _a = null!, _srv = null!, _ptr = null!, _nx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _responder = Allocation.Responder();
        _a = Allocation.Query("svc-7.default.svc.cluster.local", RecordType.A);
        _srv = Allocation.Query("_http._tcp.svc-7.default.svc.cluster.local", RecordType.SRV);
        _ptr = Allocation.Query("7.0.96.10.in-addr.arpa", RecordType.PTR);
        _nx = Allocation.Query("missing.default.svc.cluster.local", RecordType.A);
    }

    [Benchmark] public int SwitchyardA() => Answer(_a);
    [Benchmark] public int SwitchyardSrv() => Answer(_srv);
    [Benchmark] public int SwitchyardPtr() => Answer(_ptr);
    [Benchmark] public int SwitchyardNxDomain() => Answer(_nx);
    [Benchmark] public int ArSoftA() => Allocation.ArSoftAnswer(_a);

    private int Answer(byte[] query)
    {
        _responder.Respond(query, _response, tcp: false, 0, out var length, out _);
        return length;
    }
}

/// <summary>Allocated bytes per query measured with GC.GetAllocatedBytesForCurrentThread over many queries.</summary>
public static class Allocation
{
    internal static QueryResponder Responder()
    {
        var state = new ZoneState(new ZoneOptions());
        for (var i = 0; i < 100; i++)
        {
            state.Apply(new V1Service
            {
                ApiVersion = "v1", Kind = "Service",
                Metadata = new V1ObjectMeta { Name = $"svc-{i}", NamespaceProperty = "default" },
                Spec = new V1ServiceSpec { ClusterIP = $"10.96.0.{i}", Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
            }, deleted: false);
        }
        return new QueryResponder(new ZoneView(state.Publish()), 1232, hasUpstream: false, autopath: false);
    }

    internal static byte[] Query(string name, RecordType type)
    {
        var w = new DnsMessageWriter();
        w.WriteHeader(0x1234, DnsHeader.RD);
        w.WriteQuestion(new DnsQuestion(name, type));
        w.WriteOpt(1232);
        return w.ToArray();
    }

    private static readonly ARSoft.Tools.Net.DomainName Owner = ARSoft.Tools.Net.DomainName.Parse("svc-7.default.svc.cluster.local");

    internal static int ArSoftAnswer(byte[] query)
    {
        var request = ArDns.DnsMessage.Parse(query);
        var response = request.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        response.AnswerRecords.Add(new ArDns.ARecord(Owner, 5, IPAddress.Parse("10.96.0.7")));
        response.ReturnCode = ArDns.ReturnCode.NoError;
        // Encoding is internal to the library (its server calls it); parse + build is already a lower bound.
        return response.AnswerRecords.Count;
    }

    public static void Print()
    {
        var responder = Responder();
        var response = new byte[4096];
        var queries = new[]
        {
            ("A", Query("svc-7.default.svc.cluster.local", RecordType.A)),
            ("SRV", Query("_http._tcp.svc-7.default.svc.cluster.local", RecordType.SRV)),
            ("PTR", Query("7.0.96.10.in-addr.arpa", RecordType.PTR)),
            ("NXDOMAIN", Query("missing.default.svc.cluster.local", RecordType.A)),
        };
        const int n = 1_000_000;
        foreach (var (label, q) in queries)
        {
            for (var i = 0; i < 10_000; i++) responder.Respond(q, response, false, 0, out _, out _);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++) responder.Respond(q, response, false, 0, out _, out _);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"alloc impl=switchyard query={label} bytes_per_query={(double)bytes / n:F2} ns_per_query={elapsed.TotalNanoseconds / n:F0}");
        }
        var a = queries[0].Item2;
        for (var i = 0; i < 10_000; i++) ArSoftAnswer(a);
        var b0 = GC.GetAllocatedBytesForCurrentThread();
        var s0 = System.Diagnostics.Stopwatch.GetTimestamp();
        const int m = 200_000;
        for (var i = 0; i < m; i++) ArSoftAnswer(a);
        var e0 = System.Diagnostics.Stopwatch.GetElapsedTime(s0);
        Console.WriteLine($"alloc impl=arsoft query=A bytes_per_query={(double)(GC.GetAllocatedBytesForCurrentThread() - b0) / m:F2} ns_per_query={e0.TotalNanoseconds / m:F0}");
    }
}
