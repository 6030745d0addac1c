namespace Switchyard.Policy.Http;

/// <summary>The parts of an HTTP request L7 rules look at. Header names compare case-insensitively.</summary>
public sealed record HttpRequestInfo(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public HttpRequestInfo(string method, string path) : this(method, path, []) { }

    /// <summary>The path without its query string.</summary>
    public string PathOnly => Path.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? Path[..q] : Path;

    public override string ToString() => $"{Method} {Path}";
}
