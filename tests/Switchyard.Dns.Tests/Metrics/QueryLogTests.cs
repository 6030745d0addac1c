using System.Net;
using System.Text.Json;
using Switchyard.Dns.Metrics;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Tests.Metrics;

/// <summary>The query log: one JSON object per query, with the time in UTC as grep finds it.</summary>
public sealed class QueryLogTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Write_OneQuery_OneJsonLine()
    {
        var output = new StringWriter();
        var query = new DnsMessageWriter();
        query.WriteHeader(7, 0x0100);
        query.WriteQuestion(new DnsQuestion("web.default.svc.cluster.local", RecordType.A));
        await using (var log = new QueryLog(output, new FixedTime(new DateTimeOffset(2026, 11, 27, 7, 0, 0, 250, TimeSpan.Zero))))
        {
            log.Write(query.Written, new IPEndPoint(IPAddress.Loopback, 5353), tcp: false, ResponseCode.NoError, TimeSpan.FromMicroseconds(42));
        }

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"time\":\"2026-11-27T07:00:00.2500000Z\"", line, StringComparison.Ordinal); // written as read: no \u002B
        using var entry = JsonDocument.Parse(line);
        Assert.Equal(("127.0.0.1:5353", "udp", "web.default.svc.cluster.local.", "A", "NOERROR", 42L),
            (entry.RootElement.GetProperty("client").GetString(), entry.RootElement.GetProperty("proto").GetString(), entry.RootElement.GetProperty("name").GetString(),
             entry.RootElement.GetProperty("type").GetString(), entry.RootElement.GetProperty("rcode").GetString(), entry.RootElement.GetProperty("duration_us").GetInt64()));
    }
}
