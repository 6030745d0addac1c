using Switchyard.Dns.Forwarding;
using Switchyard.Dns.Wire;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Answer;

/// <summary>
/// Completes the queries the fast path hands over: forwarding outside the zone, following a CNAME (ExternalName
/// services) to its target, and autopath. It decodes the query and encodes a fresh response, so it allocates; it is
/// only reached for names the zone does not answer on its own.
/// </summary>
internal sealed class SlowPathResolver
{
    private readonly QueryResponder _responder;
    private readonly Forwarder? _forwarder;

    public SlowPathResolver(QueryResponder responder, Forwarder? forwarder)
    {
        _responder = responder;
        _forwarder = forwarder;
    }

    public async ValueTask<(byte[] Response, ResponseInfo Info)> ResolveAsync(byte[] query, QueryOutcome outcome, bool tcp, CancellationToken cancellationToken)
    {
        if (!DnsMessageReader.TryRead(query, out var request) || request.Questions.Count != 1)
        {
            var bare = new byte[DnsHeader.Size];
            ResponseBuilder.WriteBareError(query, bare, ResponseCode.FormErr);
            return (bare, new ResponseInfo { Rcode = ResponseCode.FormErr });
        }
        var question = request.Questions[0];
        var zone = _responder.View.Current;
        var cd = (request.Flags & DnsHeader.CD) != 0;
        Result result = outcome switch
        {
            QueryOutcome.Forward => await ForwardAsync(question, cd, cancellationToken).ConfigureAwait(false),
            QueryOutcome.Chase => await ChaseAsync(question, zone, cd, cancellationToken).ConfigureAwait(false),
            QueryOutcome.Autopath => await AutopathAsync(question, zone, cd, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a slow-path outcome"),
        };
        var limit = tcp ? ushort.MaxValue
            : request.Edns is { } e ? Math.Clamp((int)e.UdpPayloadSize, DnsHeader.ClassicUdpSize, _responder.MaxUdpPayload) : DnsHeader.ClassicUdpSize;
        var response = Encode(request, question, result, limit, full: true);
        var truncated = false;
        if (response.Length > limit)
        {
            response = Encode(request, question, result, limit, full: false);
            truncated = true;
        }
        return (response, new ResponseInfo { QType = question.Type, Rcode = result.Rcode, Truncated = truncated });
    }

    private byte[] Encode(DnsMessage request, DnsQuestion question, Result result, int limit, bool full)
    {
        var writer = new DnsMessageWriter(512);
        var flags = (ushort)(DnsHeader.QR | DnsHeader.RA | (request.Flags & (DnsHeader.RD | DnsHeader.CD)) | ((int)result.Rcode & 0xF)
            | (result.Authoritative ? DnsHeader.AA : 0) | (full ? 0 : DnsHeader.TC));
        writer.WriteHeader(request.Id, flags);
        writer.WriteQuestion(question);
        if (full)
        {
            foreach (var r in result.Answers) writer.WriteAnswer(r);
            foreach (var r in result.Authority) writer.WriteAuthority(r);
            var beforeAdditional = writer.Length;
            foreach (var r in result.Additional) writer.WriteAdditional(r);
            // Additional records are optional: if they are what overflows, the message is sent without them
            // (re-encoded from scratch below since counts are already in the header).
            if (writer.Length + (request.Edns is null ? 0 : DnsHeader.OptSize) > limit && beforeAdditional + DnsHeader.OptSize <= limit)
                return Encode(request, question, result with { Additional = [] }, limit, full);
        }
        if (request.Edns is { } edns) writer.WriteOpt(_responder.MaxUdpPayload, dnssecOk: edns.DnssecOk); // the DO bit copied (RFC 3225 §3)
        return writer.ToArray();
    }

    private async ValueTask<Result> ForwardAsync(DnsQuestion question, bool cd, CancellationToken cancellationToken)
    {
        if (_forwarder is null) return Result.Of(ResponseCode.Refused);
        var answer = await _forwarder.ResolveAsync(question, cd, cancellationToken).ConfigureAwait(false);
        return answer is null
            ? Result.Of(ResponseCode.ServFail)
            : new Result(answer.Rcode, answer.Answers, answer.Authority, answer.Additional, Authoritative: false);
    }

    /// <summary>A CNAME from the zone, followed by what its target resolves to (in the zone, or upstream).</summary>
    private async ValueTask<Result> ChaseAsync(DnsQuestion question, ZoneSnapshot zone, bool cd, CancellationToken cancellationToken)
    {
        var answers = new List<DnsRecord>();
        var name = DnsNames.Lower(question.Name);
        // Follow at most 8 links inside the zone, then hand the last target to the upstreams.
        for (var hop = 0; hop < 8; hop++)
        {
            var node = zone.Find(name);
            if (node?.Cname is { } cname)
            {
                var record = cname.Answers[0];
                answers.Add(hop == 0 ? record with { Name = question.Name } : record);
                name = cname.ChaseTarget!;
                continue;
            }
            if (DnsNames.IsInZone(name, zone.Zone))
            {
                if (node is null) return new Result(ResponseCode.NXDomain, answers, [Soa(zone)], [], true);
                answers.AddRange(node.RecordsOf(question.Type));
                return new Result(ResponseCode.NoError, answers, answers.Count == 0 ? [Soa(zone)] : [], [], true);
            }
            break;
        }
        if (_forwarder is null || !answers.Any()) return new Result(ResponseCode.NoError, answers, [], [], true);
        var upstream = await _forwarder.ResolveAsync(question with { Name = name }, cd, cancellationToken).ConfigureAwait(false);
        if (upstream is null) return new Result(ResponseCode.NoError, answers, [], [], true);
        answers.AddRange(upstream.Answers);
        // AA speaks for the question's name, the chain's first owner (RFC 1035 §4.1.1, RFC 6604 §2), which is the zone's;
        // the rcode for the chain's last name, the upstream's.
        return new Result(upstream.Rcode, answers, upstream.Authority, [], Authoritative: true);
    }

    /// <summary>
    /// The pod asked <c>x.&lt;ns&gt;.svc.&lt;zone&gt;</c> and it does not exist: try <c>x.svc.&lt;zone&gt;</c>,
    /// <c>x.&lt;zone&gt;</c> and <c>x</c> itself as its resolver would next, and answer the first that exists with a CNAME from
    /// the asked name, so one round trip replaces several.
    /// </summary>
    private async ValueTask<Result> AutopathAsync(DnsQuestion question, ZoneSnapshot zone, bool cd, CancellationToken cancellationToken)
    {
        var asked = DnsNames.Lower(question.Name);
        var firstDot = asked.IndexOf(".svc." + zone.Zone, StringComparison.Ordinal);
        var nsDot = firstDot <= 0 ? -1 : asked.LastIndexOf('.', firstDot - 1);
        var notFound = new Result(ResponseCode.NXDomain, [], [Soa(zone)], [], true);
        if (nsDot <= 0) return notFound;
        var bare = asked[..nsDot];
        foreach (var candidate in new[] { $"{bare}.svc.{zone.Zone}", $"{bare}.{zone.Zone}" })
        {
            var node = zone.Find(candidate);
            if (node is null) continue;
            var link = new DnsRecord(question.Name, RecordType.CNAME, zone.Options.Ttl, new NameData(candidate));
            var records = node.Cname is { } c ? c.Answers : node.RecordsOf(question.Type);
            return new Result(ResponseCode.NoError, [link, .. records], records.Any() ? [] : [Soa(zone)], [], true);
        }
        if (_forwarder is null || DnsNames.IsInZone(bare, zone.Zone)) return notFound;
        var upstream = await _forwarder.ResolveAsync(new DnsQuestion(bare, question.Type), cd, cancellationToken).ConfigureAwait(false);
        if (upstream is null || upstream.Rcode != ResponseCode.NoError) return notFound;
        var cnameToBare = new DnsRecord(question.Name, RecordType.CNAME, zone.Options.Ttl, new NameData(bare));
        return new Result(ResponseCode.NoError, [cnameToBare, .. upstream.Answers], upstream.Authority, [], Authoritative: true); // the asked name is the zone's
    }

    private static DnsRecord Soa(ZoneSnapshot zone) => new(zone.Zone, RecordType.SOA, zone.Options.Ttl, zone.Soa);

    private sealed record Result(ResponseCode Rcode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authority, IReadOnlyList<DnsRecord> Additional, bool Authoritative)
    {
        public static Result Of(ResponseCode rcode) => new(rcode, [], [], [], false);
    }
}
