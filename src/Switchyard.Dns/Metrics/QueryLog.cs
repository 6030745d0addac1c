using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Metrics;

/// <summary>
/// The structured query log: one JSON object per line (time, client, proto, name, type, rcode, duration in
/// microseconds). Queries are queued and written by a background task so a slow writer never stalls answers; when
/// the queue is full, entries are dropped and counted.
/// </summary>
internal sealed class QueryLog : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly Task _pump;

    public QueryLog(TextWriter writer, TimeProvider time)
    {
        _writer = writer;
        _time = time;
        _pump = Task.Run(PumpAsync);
    }

    public void Write(ReadOnlySpan<byte> query, EndPoint? client, bool tcp, ResponseCode rcode, TimeSpan duration)
    {
        var name = "";
        var type = "";
        if (DnsMessageReader.TryRead(query, out var m) && m.Questions.Count == 1)
        {
            name = m.Questions[0].Name + ".";
            type = DnsRecord.TypeName(m.Questions[0].Type);
        }
        var line = JsonSerializer.Serialize(new Entry(
            _time.GetUtcNow().UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), client?.ToString() ?? "", // "...Z": no '+' for the encoder to escape
            tcp ? "tcp" : "udp", name, type, rcode.ToString().ToUpperInvariant(), (long)duration.TotalMicroseconds), QueryLogJson.Default.Entry);
        _lines.Writer.TryWrite(line);
    }

    private async Task PumpAsync()
    {
        await foreach (var line in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await _writer.WriteLineAsync(line).ConfigureAwait(false);
            if (_lines.Reader.Count == 0) await _writer.FlushAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }

    internal sealed record Entry(string Time, string Client, string Proto, string Name, string Type, string Rcode, long DurationUs);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(QueryLog.Entry))]
internal sealed partial class QueryLogJson : System.Text.Json.Serialization.JsonSerializerContext;
