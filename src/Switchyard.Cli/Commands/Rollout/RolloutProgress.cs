using System.Text.Json.Nodes;
using Switchyard.Cli.Output;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>Where a rollout stands, as kubectl's rollout status reads a Deployment.</summary>
internal sealed record RolloutProgress(bool Done, bool Failed, string Message)
{
    public static RolloutProgress Of(JsonObject deployment)
    {
        var name = deployment.Str("metadata.name") ?? "";
        var generation = Long(deployment, "metadata.generation");
        var observed = Long(deployment, "status.observedGeneration");
        if (observed < generation) return new(false, false, "Waiting for deployment spec update to be observed...");
        foreach (var c in deployment["status"]?["conditions"] as JsonArray ?? [])
        {
            if (c?["type"]?.GetValue<string>() == "Progressing" && c["reason"]?.GetValue<string>() == "ProgressDeadlineExceeded")
            {
                return new(false, true, $"deployment \"{name}\" exceeded its progress deadline");
            }
        }
        var desired = deployment["spec"]?["replicas"] is JsonValue r ? Number(r) : 1;
        var updated = Long(deployment, "status.updatedReplicas");
        var replicas = Long(deployment, "status.replicas");
        var available = Long(deployment, "status.availableReplicas");
        var prefix = $"Waiting for deployment \"{name}\" rollout to finish: ";
        if (updated < desired) return new(false, false, $"{prefix}{updated} out of {desired} new replicas have been updated...");
        if (replicas > updated) return new(false, false, $"{prefix}{replicas - updated} old replicas are pending termination...");
        if (available < updated) return new(false, false, $"{prefix}{available} of {updated} updated replicas are available...");
        return new(true, false, $"deployment \"{name}\" successfully rolled out");
    }

    private static long Long(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.')) node = node?[part];
        return node is JsonValue v ? Number(v) : 0;
    }

    private static long Number(JsonValue v) =>
        v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : 0;
}
