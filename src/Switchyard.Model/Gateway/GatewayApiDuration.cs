using Switchyard.Model.Validation.Gateway;

namespace Switchyard.Model.Gateway;

/// <summary>
/// Gateway API durations (GEP-2257), what the API's duration fields accept: one to four parts of up to five digits,
/// each followed by h, m, s or ms ("10s", "1h30m", "500ms"). Public for callers outside the model that take the same
/// syntax (the gateway's command-line timeouts); the validators use the same parser.
/// </summary>
public static class GatewayApiDuration
{
    /// <summary>The duration <paramref name="text"/> names, or null when it is not a Gateway API duration.</summary>
    public static TimeSpan? Parse(string text) => GatewayFields.ParseDuration(text);
}
