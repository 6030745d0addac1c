using System.Text.Json;
using System.Threading.Channels;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// One finished request, as the JSON access log records it; or one finished connection of a TLS listener: method
/// "TLS", host the server name, status 0 (not HTTP), and the bytes relayed each way. <see cref="Peer"/> is the
/// connection's peer when the client was taken from a trusted X-Forwarded-For and differs from it (null otherwise).
/// </summary>
internal readonly record struct AccessLogEntry(
    DateTimeOffset Time, string Method, string Host, string Path, int Status, double DurationMs, string Listener, string? Route,
    string? Backend, string? Endpoint, int Retries, string? Error, string? TraceId, string? Client, long? BytesReceived = null, long? BytesSent = null,
    string? Peer = null);

/// <summary>
/// The JSON access log: one object per line, written by a background task so request threads never block on I/O.
/// When the queue is full (the writer is slower than traffic) lines are dropped and counted.
/// </summary>
internal sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<AccessLogEntry> _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(8192)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly TextWriter _writer;
    private readonly Task _loop;
    private long _dropped;

    public AccessLog(TextWriter writer)
    {
        _writer = writer;
        _loop = Task.Run(WriteLoopAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(in AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry)) Interlocked.Increment(ref _dropped);
    }

    public static string Format(in AccessLogEntry e)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", e.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("method", e.Method);
            json.WriteString("host", e.Host);
            json.WriteString("path", e.Path);
            json.WriteNumber("status", e.Status);
            json.WriteNumber("duration_ms", Math.Round(e.DurationMs, 3));
            json.WriteString("listener", e.Listener);
            json.WriteString("route", e.Route);
            json.WriteString("backend", e.Backend);
            json.WriteString("endpoint", e.Endpoint);
            json.WriteNumber("retries", e.Retries);
            if (e.Error is not null) json.WriteString("error", e.Error);
            if (e.TraceId is not null) json.WriteString("trace_id", e.TraceId);
            json.WriteString("client", e.Client);
            if (e.Peer is not null) json.WriteString("peer", e.Peer);
            if (e.BytesReceived is { } received) json.WriteNumber("bytes_received", received);
            if (e.BytesSent is { } sent) json.WriteNumber("bytes_sent", sent);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var entry in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await _writer.WriteLineAsync(Format(entry)).ConfigureAwait(false);
            if (_queue.Reader.Count == 0) await _writer.FlushAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await _writer.FlushAsync().ConfigureAwait(false);
    }
}
