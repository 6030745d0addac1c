using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// The key set of one https URI, fetched by the proxy off the request path (Envoy's <c>remote_jwks</c> with
/// <c>async_fetch</c>): the first fetch starts when the fetcher is made (when a compile first names the URI), then
/// one every <see cref="Refresh"/> after a success: the response's Cache-Control lifetime
/// (<see cref="JwksCacheControl"/>) clamped between <see cref="RemoteJwksOptions.MinRefresh"/> and
/// <see cref="RefreshInterval"/> (the cacheDuration), or <see cref="RefreshInterval"/> when it gives none. A failed
/// fetch (no connection, TLS, a status other than 2xx, no answer within <see cref="RemoteJwksOptions.Timeout"/>, a
/// body over <see cref="RemoteJwksOptions.MaxBytes"/>, a body that is not a key set with a usable key) keeps the last good key set and is tried again after a jittered
/// exponential back-off. Until the first success <see cref="Current"/> is null and tokens are refused
/// (<see cref="JwtFailure.KeysUnavailable"/>). A token naming an unknown <c>kid</c> brings the next fetch forward, at
/// most once per <see cref="RemoteJwksOptions.KidRefreshInterval"/>, so a rotated key is picked up without waiting
/// for the cache to expire. Every fetch is counted in <c>switchyard_proxy_jwks_fetch_total{uri,result}</c>; failures
/// and recoveries are logged. One fetcher serves every provider naming the same URI and CA bundle.
/// </summary>
internal sealed class RemoteJwks : JwtKeySource, IDisposable
{
    /// <summary>Result labels of <c>switchyard_proxy_jwks_fetch_total</c>.</summary>
    public const string Ok = "ok", Connect = "connect", Tls = "tls", Timeout = "timeout", Status = "status", TooLarge = "too_large", Invalid = "invalid";

    private readonly HttpMessageInvoker _http;
    private readonly RemoteJwksOptions _options;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _log;
    private readonly Action<RemoteJwks> _disposed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile JwtKeySet? _keys;
    private string? _text;
    private long _refreshTicks;
    private long _lifetimeTicks = -1; // the last good answer's Cache-Control lifetime; -1: none
    private TimeSpan? _loggedRefresh;
    private long _lastKidRefresh = long.MinValue;
    private int _fetchNow;
    private int _failures;
    private DateTimeOffset? _fetchedAt;

    public RemoteJwks(Uri uri, HttpMessageInvoker http, TimeSpan refreshInterval, RemoteJwksOptions options, ProxyMetrics metrics, ILogger log, Action<RemoteJwks>? disposed = null)
    {
        Uri = uri;
        _http = http;
        _options = options;
        _metrics = metrics;
        _log = log;
        _disposed = disposed ?? (_ => { });
        RefreshInterval = refreshInterval;
        Loop = Task.Run(RunAsync);
    }

    public Uri Uri { get; }

    public override JwtKeySet? Current => _keys;

    /// <summary>
    /// How long a fetched key set is used before the next fetch: the shortest cacheDuration of the providers using it.
    /// Made shorter while the loop waits out a longer one, the wait is measured anew from the last fetch.
    /// </summary>
    public TimeSpan RefreshInterval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _refreshTicks));
        set
        {
            var before = Interlocked.Exchange(ref _refreshTicks, value.Ticks);
            if (before != 0 && value.Ticks < before) Wake();
        }
    }

    /// <summary>
    /// The wait after a successful fetch: the last good answer's Cache-Control lifetime, at least
    /// <see cref="RemoteJwksOptions.MinRefresh"/> (or <see cref="RefreshInterval"/> when that is shorter) and at most
    /// <see cref="RefreshInterval"/>; <see cref="RefreshInterval"/> when the answer gave none.
    /// </summary>
    public TimeSpan Refresh => Clamp(Interlocked.Read(ref _lifetimeTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null, RefreshInterval, _options);

    /// <summary>
    /// <paramref name="lifetime"/> between the floor (<see cref="RemoteJwksOptions.MinRefresh"/>, or
    /// <paramref name="cacheDuration"/> when shorter) and <paramref name="cacheDuration"/>: an issuer can ask for fresher
    /// keys than the provider's cacheDuration, never for staler ones, nor for fetches more often than the floor.
    /// </summary>
    internal static TimeSpan Clamp(TimeSpan? lifetime, TimeSpan cacheDuration, RemoteJwksOptions options)
    {
        if (lifetime is not { } l) return cacheDuration;
        var floor = options.MinRefresh < cacheDuration ? options.MinRefresh : cacheDuration;
        return l < floor ? floor : l > cacheDuration ? cacheDuration : l;
    }

    /// <summary>The fetch loop (for tests: it ends when the fetcher is disposed).</summary>
    internal Task Loop { get; }

    public override void KidNotFound()
    {
        var now = _options.Time.GetTimestamp();
        var last = Interlocked.Read(ref _lastKidRefresh);
        if (last != long.MinValue && _options.Time.GetElapsedTime(last, now) < _options.KidRefreshInterval) return;
        if (Interlocked.CompareExchange(ref _lastKidRefresh, now, last) != last) return; // another request won
        Volatile.Write(ref _fetchNow, 1);
        Wake();
    }

    /// <summary>Ends the loop's current wait: it fetches when asked to (<see cref="_fetchNow"/>), else plans its wait again.</summary>
    private void Wake()
    {
        lock (_gate) _wake.TrySetResult();
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        var time = _options.Time;
        while (!stop.IsCancellationRequested)
        {
            Volatile.Write(ref _fetchNow, 0); // a request to fetch from before this fetch is answered by it
            var started = time.GetTimestamp();
            bool ok;
            try
            {
                ok = await FetchAsync(stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return; // disposed during the fetch (the handler with it)
            }
            catch (Exception e)
            {
                // A bug must not end the loop: the keys would silently never be refreshed again.
                _log.LogError(e, "jwks {Uri}: fetch failed unexpectedly", Uri);
                _failures++;
                ok = false;
            }
            var backoff = ok ? TimeSpan.Zero : Backoff(_failures, RefreshInterval, _options);
            while (!stop.IsCancellationRequested)
            {
                Task wake;
                lock (_gate)
                {
                    if (_wake.Task.IsCompleted) _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wake = _wake.Task;
                }
                if (Volatile.Read(ref _fetchNow) == 1) break;
                var remaining = (ok ? Refresh : backoff) - time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero) break;
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                await Task.WhenAny(Task.Delay(remaining, time, wait.Token), wake).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false); // drops the timer when the wait ended early
            }
        }
    }

    /// <summary>
    /// The wait after the <paramref name="failures"/>-th failure in a row: <see cref="RemoteJwksOptions.RetryBase"/>
    /// doubled per failure up to <see cref="RemoteJwksOptions.RetryCap"/> (or <paramref name="refresh"/> when shorter),
    /// of which a random part up to half is taken off ("equal jitter"), so proxies that lost the issuer together do not
    /// come back in step.
    /// </summary>
    internal static TimeSpan Backoff(int failures, TimeSpan refresh, RemoteJwksOptions options)
    {
        var cap = refresh < options.RetryCap ? refresh : options.RetryCap;
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var full = TimeSpan.FromTicks(Math.Min(options.RetryBase.Ticks * (1L << exponent), cap.Ticks));
        var halfMs = (int)Math.Min(full.TotalMilliseconds / 2, int.MaxValue - 1);
        return full - TimeSpan.FromMilliseconds(options.Random.Next(halfMs + 1));
    }

    /// <summary>One fetch; true when it succeeded (the key set is then current).</summary>
    private async Task<bool> FetchAsync(CancellationToken stop)
    {
        string result;
        string detail;
        using (var timeout = new CancellationTokenSource(_options.Timeout, _options.Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token))
        {
            try
            {
                (result, detail) = await ExchangeAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (OperationCanceledException)
            {
                (result, detail) = (Timeout, $"no answer within {_options.Timeout.TotalSeconds}s");
            }
            catch (HttpRequestException e) when (e.InnerException is AuthenticationException a)
            {
                (result, detail) = (Tls, $"TLS handshake failed: {a.Message}");
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError || e.InnerException is SocketException)
            {
                (result, detail) = (Connect, $"connect failed: {(e.InnerException as SocketException)?.SocketErrorCode.ToString() ?? e.Message}");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                (result, detail) = (Connect, $"exchange failed: {e.Message}");
            }
        }
        _metrics.JwksFetch(Uri.OriginalString, result);
        if (result == Ok)
        {
            if (_failures > 0) _log.LogInformation("jwks {Uri}: {Detail} after {Failures} failed attempt(s)", Uri, detail, _failures);
            else if (detail.Length > 0) _log.LogInformation("jwks {Uri}: {Detail}", Uri, detail);
            _failures = 0;
            _fetchedAt = _options.Time.GetUtcNow();
            LogRefresh();
            return true;
        }
        _failures++;
        var kept = _fetchedAt is { } at ? $"keeping the key set fetched at {at:u}" : "no key set yet: tokens of its providers are refused";
        _log.LogWarning("jwks {Uri}: fetch failed ({Detail}); attempt {Failures}, {Kept}", Uri, detail, _failures, kept);
        return false;
    }

    /// <summary>Logs the wait until the next fetch when Cache-Control makes it other than the cacheDuration, and when it changes again.</summary>
    private void LogRefresh()
    {
        var refresh = Refresh;
        if (refresh == (_loggedRefresh ?? RefreshInterval)) return;
        var lifetime = Interlocked.Read(ref _lifetimeTicks);
        var why = lifetime < 0 ? "no Cache-Control lifetime: cacheDuration" : $"Cache-Control lifetime {TimeSpan.FromTicks(lifetime).TotalSeconds}s, within {Clamp(TimeSpan.Zero, RefreshInterval, _options).TotalSeconds}s..{RefreshInterval.TotalSeconds}s";
        _log.LogInformation("jwks {Uri}: next fetches every {Seconds}s ({Why})", Uri, refresh.TotalSeconds, why);
        _loggedRefresh = refresh;
    }

    /// <summary>The GET and what came of it: (result label, detail for the log; empty when nothing changed).</summary>
    private async Task<(string Result, string Detail)> ExchangeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Uri);
        request.Headers.TryAddWithoutValidation("Accept", "application/jwk-set+json, application/json");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is < 200 or > 299) return (Status, $"answered {status}");
        if (response.Content.Headers.ContentLength is { } length && length > _options.MaxBytes)
            return (TooLarge, $"body of {length} bytes is over the limit of {_options.MaxBytes}");
        var lifetime = JwksCacheControl.Lifetime(response.Headers);
        var body = await ReadAsync(response.Content, cancellationToken).ConfigureAwait(false);
        if (body is null) return (TooLarge, $"body is over the limit of {_options.MaxBytes} bytes");
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return (Invalid, "body is not UTF-8");
        }
        if (text == _text)
        {
            Interlocked.Exchange(ref _lifetimeTicks, lifetime?.Ticks ?? -1);
            return (Ok, ""); // unchanged: the parsed keys (and the library's verifiers) stay
        }
        var (keys, error) = JwtKeySet.Parse(text);
        if (keys is null) return (Invalid, $"body {error}");
        Interlocked.Exchange(ref _lifetimeTicks, lifetime?.Ticks ?? -1);
        var first = _text is null;
        _text = text;
        _keys = keys;
        return (Ok, first ? $"fetched {keys.Count} key(s)" : $"key set changed: {keys.Count} key(s)");
    }

    /// <summary>The body, or null when it is longer than the limit (read no further than one byte past it).</summary>
    private async Task<byte[]?> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            while (true)
            {
                var n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (n == 0) return buffer.ToArray();
                if (buffer.Length + n > _options.MaxBytes) return null;
                buffer.Write(chunk, 0, n);
            }
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        Wake();
        _http.Dispose();
        _disposed(this);
    }
}

/// <summary>
/// Settings of remote key set fetching, the same for every fetcher of a proxy; the defaults are what the docs
/// promise (docs/components/gateway.md, "Remote key sets").
/// </summary>
internal sealed record RemoteJwksOptions
{
    /// <summary>One fetch (connect, TLS, answer and body) may take this long. Default 10s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A body longer than this fails the fetch. Default 1 MiB.</summary>
    public int MaxBytes { get; init; } = 1024 * 1024;

    /// <summary>TCP connect timeout. Default 5s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait after a first failure; doubled per failure in a row. Default 1s (Envoy's failed_refetch_duration).</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between failed attempts (the refresh interval when shorter). Default 5 minutes.</summary>
    public TimeSpan RetryCap { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The shortest wait between fetches an issuer's Cache-Control can ask for (<c>no-store</c>, <c>no-cache</c>, a
    /// short <c>max-age</c>); a provider's cacheDuration when shorter. Default 30s, as often as an unknown kid can
    /// bring a fetch forward.
    /// </summary>
    public TimeSpan MinRefresh { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A token with an unknown kid brings a fetch forward at most this often. Default 30s.</summary>
    public TimeSpan KidRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public IRandomSource Random { get; init; } = SharedRandomSource.Instance;
}
