using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Switchyard.Control.Tests.Api;

/// <summary>Keeps every log entry as "category[event name] message" plus the exception, for tests that assert what was logged.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue($"{category}[{eventId.Name}] {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }
}
