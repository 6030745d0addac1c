namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// An access log a test reads while the proxy's log writer appends to it from its own thread: <see cref="Writer"/> is a
/// synchronized writer, which locks itself for each write, and <see cref="ToString"/> reads under the same lock (a bare
/// StringWriter read during a write can throw).
/// </summary>
internal sealed class SharedLog
{
    private readonly StringWriter _text = new();

    public SharedLog() => Writer = TextWriter.Synchronized(_text);

    /// <summary>What the proxy writes to (<c>ProxyOptions.AccessLog</c>).</summary>
    public TextWriter Writer { get; }

    public override string ToString()
    {
        lock (Writer) return _text.ToString();
    }
}
