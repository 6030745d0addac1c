using System.Buffers.Binary;
using System.Net;
using Switchyard.Dns.Wire;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Answer;

/// <summary>
/// The fast path: parses a query in place and answers it from the current zone snapshot by copying the query's
/// question and a precomputed answer into the response buffer. It allocates nothing. Whatever needs I/O or
/// re-encoding (forwarding, CNAME chasing, autopath) is reported as an outcome for the slow path.
/// </summary>
internal sealed class QueryResponder
{
    private readonly ZoneView _view;
    private readonly ushort _maxUdpPayload;
    private readonly bool _hasUpstream;
    private readonly bool _autopath;

    public QueryResponder(ZoneView view, ushort maxUdpPayload, bool hasUpstream, bool autopath)
    {
        _view = view;
        _maxUdpPayload = Math.Max(maxUdpPayload, (ushort)DnsHeader.ClassicUdpSize);
        _hasUpstream = hasUpstream;
        _autopath = autopath;
    }

    public ZoneView View => _view;

    public ushort MaxUdpPayload => _maxUdpPayload;

    /// <summary>Flags set on every zone answer: AA, and RA when this server forwards.</summary>
    private ushort AnswerFlags => (ushort)(DnsHeader.AA | (_hasUpstream ? DnsHeader.RA : 0));

    /// <summary>
    /// Answers <paramref name="query"/> into <paramref name="response"/>. <paramref name="tcp"/> lifts the UDP size limit;
    /// <paramref name="source"/> is the client address (see <see cref="AddressKey"/>), used by autopath only.
    /// </summary>
    public QueryOutcome Respond(ReadOnlySpan<byte> query, Span<byte> response, bool tcp, UInt128 source, out int length, out ResponseInfo info)
    {
        Span<char> key = stackalloc char[QueryParser.KeyBufferSize];
        info = default;
        length = 0;
        var status = QueryParser.Parse(query, key, out var q);
        info.QType = q.QType;
        switch (status)
        {
            case ParseStatus.Drop:
                return QueryOutcome.Drop;
            case ParseStatus.FormErr:
            case ParseStatus.NotImp:
                info.Rcode = status == ParseStatus.FormErr ? ResponseCode.FormErr : ResponseCode.NotImp;
                length = ResponseBuilder.WriteBareError(query, response, info.Rcode);
                return QueryOutcome.Answered;
        }

        var limit = tcp ? Math.Min(response.Length, ushort.MaxValue)
            : Math.Min(response.Length, q.HasEdns ? Math.Clamp((int)q.UdpPayloadSize, DnsHeader.ClassicUdpSize, _maxUdpPayload) : DnsHeader.ClassicUdpSize);

        if (q.HasEdns && q.EdnsVersion != 0)
            return Simple(query, response, q, ResponseCode.BadVers, 0, out length, ref info);
        if (q.QClass != DnsHeader.ClassIN || q.QType is RecordType.AXFR or RecordType.IXFR or RecordType.OPT)
            return Simple(query, response, q, ResponseCode.Refused, 0, out length, ref info);

        var zone = _view.Current;
        var name = key[..q.KeyLength];
        if (zone.TryFind(name, out var node))
        {
            if (node.Cname is { } cname)
            {
                if (q.QType != RecordType.CNAME && cname.ChaseTarget is { } target && (_hasUpstream || DnsNames.IsInZone(target, zone.Zone)))
                    return QueryOutcome.Chase;
                return Template(query, response, q, cname, limit, out length, ref info);
            }
            if (q.QType == RecordType.SOA && name.Length == zone.Zone.Length)
                return Negative(query, response, q, zone, ResponseCode.NoError, limit, soaInAnswer: true, out length, ref info);
            var template = q.QType == RecordType.ANY ? node.Any : node.Find(q.QType);
            if (template is not null) return Template(query, response, q, template, limit, out length, ref info);
            if (!node.InZone) return Simple(query, response, q, ResponseCode.NoError, AnswerFlags, out length, ref info);
            return Negative(query, response, q, zone, ResponseCode.NoError, limit, soaInAnswer: false, out length, ref info);
        }

        if (!DnsNames.IsInZone(name, zone.Zone))
        {
            if (_hasUpstream) return QueryOutcome.Forward;
            return Simple(query, response, q, ResponseCode.Refused, 0, out length, ref info);
        }

        if (zone.Options.PodRecords == PodRecordsMode.Insecure && TryPodRecord(query, response, q, name, zone, limit, out length, ref info))
            return QueryOutcome.Answered;
        if (_autopath && IsAutopathCandidate(name, zone, source)) return QueryOutcome.Autopath;
        return Negative(query, response, q, zone, ResponseCode.NXDomain, limit, soaInAnswer: false, out length, ref info);
    }

    /// <summary>Header + question (+ OPT), no records.</summary>
    private QueryOutcome Simple(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q, ResponseCode rcode, ushort flags, out int length, ref ResponseInfo info)
    {
        info.Rcode = rcode;
        ResponseBuilder.WriteHeader(r, q, flags, rcode, 1, 0, 0, q.HasEdns ? 1 : 0);
        length = ResponseBuilder.CopyQuestion(query, r, q);
        if (q.HasEdns) length += ResponseBuilder.WriteOpt(r[length..], _maxUdpPayload, rcode, q.DnssecOk);
        return QueryOutcome.Answered;
    }

    private QueryOutcome Template(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q, ResponseTemplate t, int limit, out int length, ref ResponseInfo info)
    {
        var opt = q.HasEdns ? DnsHeader.OptSize : 0;
        int body, an = t.AnswerCount, ar = t.AdditionalCount;
        var flags = AnswerFlags;
        if (q.QuestionEnd + t.Body.Length + opt <= limit)
        {
            body = t.Body.Length;
        }
        else if (q.QuestionEnd + t.AnswerLength + opt <= limit)
        {
            body = t.AnswerLength; // the additional section is optional: drop it without TC (RFC 2181 §9)
            ar = 0;
        }
        else
        {
            body = 0;
            an = ar = 0;
            flags |= DnsHeader.TC;
            info.Truncated = true;
        }
        info.Rcode = ResponseCode.NoError;
        ResponseBuilder.WriteHeader(r, q, flags, ResponseCode.NoError, 1, an, 0, ar + (q.HasEdns ? 1 : 0));
        length = ResponseBuilder.CopyQuestion(query, r, q);
        t.Body.AsSpan(0, body).CopyTo(r[length..]);
        length += body;
        if (q.HasEdns) length += ResponseBuilder.WriteOpt(r[length..], _maxUdpPayload, ResponseCode.NoError, q.DnssecOk);
        return QueryOutcome.Answered;
    }

    /// <summary>NXDOMAIN or NODATA with the SOA in the authority section (RFC 2308), or the SOA itself as the answer.</summary>
    private QueryOutcome Negative(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q, ZoneSnapshot zone, ResponseCode rcode, int limit, bool soaInAnswer, out int length, ref ResponseInfo info)
    {
        info.Rcode = rcode;
        var opt = q.HasEdns ? DnsHeader.OptSize : 0;
        var fits = q.QuestionEnd + zone.SoaRecord.Length + opt <= limit;
        var n = fits ? 1 : 0;
        ResponseBuilder.WriteHeader(r, q, (ushort)(AnswerFlags | (fits ? 0 : DnsHeader.TC)), rcode, 1, soaInAnswer ? n : 0, soaInAnswer ? 0 : n, q.HasEdns ? 1 : 0);
        length = ResponseBuilder.CopyQuestion(query, r, q);
        if (fits) length += ResponseBuilder.WriteSoa(r[length..], zone, q);
        if (q.HasEdns) length += ResponseBuilder.WriteOpt(r[length..], _maxUdpPayload, rcode, q.DnssecOk);
        return QueryOutcome.Answered;
    }

    /// <summary>kube-dns's insecure pod records: <c>a-b-c-d.&lt;ns&gt;.pod.&lt;zone&gt;</c> answers a.b.c.d for any namespace.</summary>
    private bool TryPodRecord(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q, ReadOnlySpan<char> name, ZoneSnapshot zone, int limit, out int length, ref ResponseInfo info)
    {
        length = 0;
        // name = <label>.<ns>.pod.<zone>
        var prefix = name[..^(zone.Zone.Length + 1)];
        if (!prefix.EndsWith(".pod", StringComparison.Ordinal)) return prefix.SequenceEqual("pod") && EmptyNonTerminal(query, r, q, zone, limit, out length, ref info);
        var rest = prefix[..^4];
        var dot = rest.IndexOf('.');
        if (dot < 0) return EmptyNonTerminal(query, r, q, zone, limit, out length, ref info); // <ns>.pod.<zone>
        if (rest[(dot + 1)..].Contains('.')) return false;
        var label = rest[..dot];
        Span<byte> address = stackalloc byte[16];
        int size;
        if (TryParseDashedV4(label, address)) size = 4;
        else
        {
            Span<char> text = stackalloc char[label.Length];
            label.CopyTo(text);
            text.Replace('-', ':');
            if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            ip.TryWriteBytes(address, out size);
        }
        var wanted = size == 4 ? RecordType.A : RecordType.AAAA;
        if (q.QType != wanted && q.QType != RecordType.ANY)
        {
            Negative(query, r, q, zone, ResponseCode.NoError, limit, soaInAnswer: false, out length, ref info);
            return true;
        }
        info.Rcode = ResponseCode.NoError;
        ResponseBuilder.WriteHeader(r, q, AnswerFlags, ResponseCode.NoError, 1, 1, 0, q.HasEdns ? 1 : 0);
        length = ResponseBuilder.CopyQuestion(query, r, q);
        length += ResponseBuilder.WriteAddress(r[length..], address[..size], zone.Options.Ttl);
        if (q.HasEdns) length += ResponseBuilder.WriteOpt(r[length..], _maxUdpPayload, ResponseCode.NoError, q.DnssecOk);
        return true;
    }

    private bool EmptyNonTerminal(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q, ZoneSnapshot zone, int limit, out int length, ref ResponseInfo info)
    {
        Negative(query, r, q, zone, ResponseCode.NoError, limit, soaInAnswer: false, out length, ref info);
        return true;
    }

    private static bool TryParseDashedV4(ReadOnlySpan<char> label, Span<byte> address)
    {
        var part = 0;
        var value = -1;
        foreach (var c in label)
        {
            if (c == '-')
            {
                if (value < 0 || part == 3) return false;
                address[part++] = (byte)value;
                value = -1;
            }
            else if (c is >= '0' and <= '9')
            {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) return false;
            }
            else
            {
                return false;
            }
        }
        if (value < 0 || part != 3) return false;
        address[3] = (byte)value;
        return true;
    }

    /// <summary>
    /// True for <c>&lt;x&gt;.&lt;ns&gt;.svc.&lt;zone&gt;</c> asked by a pod of namespace ns: the first step of its
    /// search list, so the rest of the list can be tried here (autopath).
    /// </summary>
    private static bool IsAutopathCandidate(ReadOnlySpan<char> name, ZoneSnapshot zone, UInt128 source)
    {
        if (source == 0 || !zone.HasPods) return false;
        var podNamespace = zone.PodNamespace(source);
        if (podNamespace is null) return false;
        // suffix ".<ns>.svc.<zone>"
        var suffixLength = podNamespace.Length + 5 + zone.Zone.Length + 1;
        if (name.Length <= suffixLength) return false;
        var suffix = name[^suffixLength..];
        return suffix[0] == '.' && suffix[1..].StartsWith(podNamespace, StringComparison.Ordinal)
            && suffix[(1 + podNamespace.Length)..].StartsWith(".svc.", StringComparison.Ordinal);
    }

    /// <summary>Reads the 16-bit ID of a packet (for the slow path's responses).</summary>
    public static ushort IdOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet);
}
