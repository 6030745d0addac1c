using System.Buffers.Binary;
using Switchyard.Dns.Answer;
using Switchyard.Dns.Wire;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Tests.Wire;

/// <summary>The fast path in memory: header flags, EDNS, truncation, error codes, no allocation, fuzzing.</summary>
public sealed class ResponderTests
{
    private static QueryResponder Responder(bool upstream = false)
    {
        var state = new ZoneState(new ZoneOptions());
        foreach (var o in Fixtures.Cluster()) state.Apply(o, deleted: false);
        return new QueryResponder(new ZoneView(state.Publish()), 1232, upstream, autopath: false);
    }

    private static byte[] Query(string name, RecordType type, ushort? edns = 1232, ushort flags = DnsHeader.RD)
    {
        var w = new DnsMessageWriter();
        w.WriteHeader(0xBEEF, flags);
        w.WriteQuestion(new DnsQuestion(name, type));
        if (edns is { } size) w.WriteOpt(size);
        return w.ToArray();
    }

    private static DnsMessage Ask(QueryResponder r, byte[] query, bool tcp = false)
    {
        var response = new byte[65535];
        Assert.Equal(QueryOutcome.Answered, r.Respond(query, response, tcp, 0, out var length, out _));
        Assert.True(DnsMessageReader.TryRead(response.AsSpan(0, length), out var message));
        return message;
    }

    [Fact]
    public void Respond_InZoneName_SetsQrAaRdAndEchoesIdAndQuestionCase()
    {
        var m = Ask(Responder(), Query("Web.Default.svc.cluster.local", RecordType.A));
        Assert.Equal(0xBEEF, m.Id);
        Assert.True(m.IsResponse && m.Authoritative && m.RecursionDesired);
        Assert.False(m.RecursionAvailable);
        Assert.Equal("Web.Default.svc.cluster.local", m.Questions[0].Name);
        Assert.Equal("10.96.0.10", Assert.Single(m.Answers).Data.ToString());
        Assert.Equal(1232, m.Edns!.UdpPayloadSize);
    }

    [Fact]
    public void Respond_SrvQuery_AddsTargetAddressesAsAdditional()
    {
        var m = Ask(Responder(), Query("_http._tcp.web.default.svc.cluster.local", RecordType.SRV));
        Assert.Single(m.Answers);
        Assert.Equal(["10.96.0.10", "fd00::10"], m.Additional.Select(r => r.Data.ToString()).Order());
    }

    [Fact]
    public void Respond_WithoutEdns_HasNoOpt()
    {
        var m = Ask(Responder(), Query("web.default.svc.cluster.local", RecordType.A, edns: null));
        Assert.Null(m.Edns);
    }

    [Fact]
    public void Respond_EdnsVersion1_AnswersBadVers()
    {
        var q = Query("web.default.svc.cluster.local", RecordType.A);
        q[^5] = 1; // OPT TTL: extended rcode 0, version 1
        var m = Ask(Responder(), q);
        Assert.Equal((int)ResponseCode.BadVers, m.ResponseCode);
    }

    [Fact]
    public void Respond_AnswerLargerThan512WithoutEdns_SetsTcAndAnswersFullyOverTcp()
    {
        var state = new ZoneState(new ZoneOptions());
        var endpoints = Enumerable.Range(1, 60).Select(i => ($"10.2.0.{i}", (string?)null, true)).ToArray();
        state.Apply(Fixtures.Service("default", "big", "None"), false);
        state.Apply(Fixtures.Slice("default", "big-1", "big", "IPv4", [], endpoints), false);
        var r = new QueryResponder(new ZoneView(state.Publish()), 1232, false, false);
        var udp = Ask(r, Query("big.default.svc.cluster.local", RecordType.A, edns: null));
        Assert.True(udp.Truncated);
        Assert.Empty(udp.Answers);
        var tcp = Ask(r, Query("big.default.svc.cluster.local", RecordType.A, edns: null), tcp: true);
        Assert.False(tcp.Truncated);
        Assert.Equal(60, tcp.Answers.Count);
    }

    [Theory]
    [InlineData(0x2800, (int)ResponseCode.NotImp)] // opcode 5 (UPDATE)
    public void Respond_OtherOpcode_AnswersNotImp(int flags, int rcode)
    {
        var m = Ask(Responder(), Query("web.default.svc.cluster.local", RecordType.A, flags: (ushort)flags));
        Assert.Equal(rcode, m.ResponseCode);
    }

    [Fact]
    public void Respond_TwoQuestions_AnswersFormErr()
    {
        var q = Query("web.default.svc.cluster.local", RecordType.A, edns: null);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), 2);
        Assert.Equal((int)ResponseCode.FormErr, Ask(Responder(), q).ResponseCode);
    }

    [Theory]
    [InlineData(RecordType.AXFR)]
    [InlineData(RecordType.IXFR)]
    public void Respond_ZoneTransfer_IsRefused(RecordType type) =>
        Assert.Equal((int)ResponseCode.Refused, Ask(Responder(), Query("cluster.local", type)).ResponseCode);

    [Fact]
    public void Respond_ChaosClass_IsRefused()
    {
        var q = Query("version.bind", RecordType.TXT, edns: null);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(q.Length - 2), 3);
        Assert.Equal((int)ResponseCode.Refused, Ask(Responder(), q).ResponseCode);
    }

    [Fact]
    public void Respond_OutsideZoneWithUpstream_GoesToSlowPath()
    {
        var response = new byte[512];
        Assert.Equal(QueryOutcome.Forward, Responder(upstream: true).Respond(Query("example.org", RecordType.A), response, false, 0, out _, out _));
    }

    [Fact]
    public void Respond_ResponsePacket_IsDropped()
    {
        var q = Query("web.default.svc.cluster.local", RecordType.A, flags: DnsHeader.QR);
        Assert.Equal(QueryOutcome.Drop, Responder().Respond(q, new byte[512], false, 0, out _, out _));
    }

    [Fact]
    public void Respond_InZoneQueries_AllocateNothing()
    {
        var r = Responder();
        var queries = new[]
        {
            Query("web.default.svc.cluster.local", RecordType.A),
            Query("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV),
            Query("10.0.96.10.in-addr.arpa", RecordType.PTR),
            Query("missing.default.svc.cluster.local", RecordType.A),
            Query("web.default.svc.cluster.local", RecordType.MX),
        };
        var response = new byte[4096];
        foreach (var q in queries) r.Respond(q, response, false, 0, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20_000; i++)
        {
            foreach (var q in queries) r.Respond(q, response, false, 0, out _, out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Respond_RandomAndMutatedPackets_NeverThrowAndAnswerParseably()
    {
        var r = Responder(upstream: true);
        var random = new Random(1234);
        var seeds = new[]
        {
            Query("web.default.svc.cluster.local", RecordType.A),
            Query("_pg._tcp.db.default.svc.cluster.local", RecordType.SRV, edns: null),
            Query("10-244-0-5.default.pod.cluster.local", RecordType.AAAA),
        };
        var response = new byte[65535];
        for (var i = 0; i < 200_000; i++)
        {
            byte[] packet;
            if (i % 4 == 0)
            {
                packet = new byte[random.Next(0, 80)];
                random.NextBytes(packet);
            }
            else
            {
                packet = (byte[])seeds[random.Next(seeds.Length)].Clone();
                for (var k = random.Next(1, 6); k > 0; k--) packet[random.Next(packet.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) packet = packet[..random.Next(packet.Length)];
            }
            var outcome = r.Respond(packet, response, i % 2 == 0, 0, out var length, out _);
            if (outcome == QueryOutcome.Answered)
            {
                Assert.True(DnsMessageReader.TryRead(response.AsSpan(0, length), out var m), $"unparseable response to {Convert.ToHexString(packet)}");
                Assert.True(m.IsResponse);
            }
        }
    }
}
