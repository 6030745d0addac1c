using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// The loggers the listeners give Kestrel: the caller's, less one warning that is wrong here. At bind, Kestrel warns that
/// a cleartext endpoint of HTTP/1.1 and HTTP/2 "will use HTTP/1.1", not knowing that <see cref="H2cPriorKnowledge"/>
/// serves HTTP/2 to connections that open with its preface. Every other message passes; disposing this disposes nothing
/// (the factory is the caller's).
/// </summary>
internal sealed class KestrelLoggers(ILoggerFactory inner) : ILoggerFactory
{
    private const string KestrelCategory = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>Kestrel's name for the warning (its event 64).</summary>
    private const string Http2DisabledWithHttp1AndNoTls = nameof(Http2DisabledWithHttp1AndNoTls);

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(KestrelCategory, StringComparison.Ordinal) ? new Filtered(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
    }

    private sealed class Filtered(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name != Http2DisabledWithHttp1AndNoTls) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
