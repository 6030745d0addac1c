using System.Text.Json.Serialization;

namespace Switchyard.Model.Gateway;

/// <summary>Conditions that must all hold for a request to match (path AND headers AND query AND method).</summary>
public sealed class HTTPRouteMatch
{
    /// <summary>Defaults to PathPrefix "/".</summary>
    [JsonPropertyName("path")] public HTTPPathMatch? Path { get; set; }

    /// <summary>At most 16, names unique (case-insensitively).</summary>
    [JsonPropertyName("headers")] public IList<HTTPHeaderMatch>? Headers { get; set; }

    /// <summary>At most 16, names unique.</summary>
    [JsonPropertyName("queryParams")] public IList<HTTPQueryParamMatch>? QueryParams { get; set; }

    [JsonPropertyName("method")] public string? Method { get; set; }
}

public sealed class HTTPPathMatch
{
    /// <summary>Exact, PathPrefix (default) or RegularExpression.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Defaults to "/"; at most 1024 characters.</summary>
    [JsonPropertyName("value")] public string? Value { get; set; }
}

public sealed class HTTPHeaderMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

public sealed class HTTPQueryParamMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("value")] public string Value { get; set; } = "";
}
