using System.Text.Json.Nodes;
using Switchyard.Cli.Client;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>Reads a Deployment and its revision history (the <c>NAME.rollout-history</c> ConfigMap the controller keeps).</summary>
internal static class RolloutHistoryReader
{
    public static async Task<(JsonObject? Deployment, IReadOnlyList<RevisionEntry> History, ApiError? Error)> ReadAsync(
        SwitchyardClient client, string ns, string name, CancellationToken ct)
    {
        var deployment = await client.GetAsync(ResourceKinds.Deployment, ns, name, ct);
        if (!deployment.Ok) return (null, [], deployment.Error);
        var history = await client.GetAsync(ResourceKinds.ConfigMap, ns, DeploymentLabels.HistoryName(name), ct);
        if (!history.Ok)
        {
            return history.Error!.IsNotFound ? (deployment.Value, [], null) : (null, [], history.Error);
        }
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in history.Value!["data"] as JsonObject ?? [])
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var s)) data[key] = s;
        }
        return (deployment.Value, RevisionHistory.Parse(data), null);
    }

    public static long CurrentRevision(JsonObject deployment) =>
        deployment["metadata"]?["annotations"]?[DeploymentLabels.Revision] is JsonValue v && long.TryParse(v.GetValue<string>(), out var n) ? n : 0;
}
