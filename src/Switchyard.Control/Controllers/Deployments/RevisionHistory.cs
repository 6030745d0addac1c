using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>One template a Deployment has rolled out, with its revision number.</summary>
public sealed record RevisionEntry(long Revision, string PodTemplateHash, V1PodTemplateSpec Template, string? ChangeCause, DateTime? CreatedAt);

/// <summary>
/// A Deployment's rollout history, the part of Kubernetes' ReplicaSets that <c>rollout history</c> and
/// <c>rollout undo</c> need. Switchyard has no ReplicaSets, so the history lives in a ConfigMap named
/// <c>&lt;deployment&gt;.rollout-history</c>, owned by the Deployment: one key <c>revision-N</c> per
/// template, holding {podTemplateHash, changeCause, createdAt, template}. As in Kubernetes, each distinct
/// template has one revision; rolling back to an older template moves it to a new, highest number; the
/// oldest entries beyond <c>revisionHistoryLimit</c> (current one not counted) are dropped.
/// </summary>
public static class RevisionHistory
{
    public const string KeyPrefix = "revision-";

    public static IReadOnlyList<RevisionEntry> Parse(IDictionary<string, string>? data)
    {
        var entries = new List<RevisionEntry>();
        foreach (var (key, value) in data ?? new Dictionary<string, string>())
        {
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal)
                || !long.TryParse(key.AsSpan(KeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)) continue;
            try
            {
                if (JsonNode.Parse(value) is not JsonObject obj || obj["template"] is not JsonObject template) continue;
                var spec = template.Deserialize(ResourceJson.Info<V1PodTemplateSpec>());
                if (spec is null) continue;
                var created = obj["createdAt"]?.GetValue<string>() is { } c && DateTime.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTime?)null;
                entries.Add(new RevisionEntry(revision, obj["podTemplateHash"]?.GetValue<string>() ?? "", spec, obj["changeCause"]?.GetValue<string>(), created));
            }
            catch (JsonException)
            {
                // An entry someone edited into garbage is skipped, not fatal.
            }
        }
        return [.. entries.OrderBy(e => e.Revision)];
    }

    public static Dictionary<string, string> Serialize(IEnumerable<RevisionEntry> entries)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var obj = new JsonObject
            {
                ["podTemplateHash"] = e.PodTemplateHash,
                ["template"] = JsonSerializer.SerializeToNode(e.Template, ResourceJson.Info<V1PodTemplateSpec>()),
            };
            if (e.ChangeCause is not null) obj["changeCause"] = e.ChangeCause;
            if (e.CreatedAt is { } c) obj["createdAt"] = c.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            data[KeyPrefix + e.Revision.ToString(CultureInfo.InvariantCulture)] = obj.ToJsonString();
        }
        return data;
    }

    /// <summary>
    /// The history after the current template has been recorded, and its revision. Unchanged (same list
    /// instance) when the current template already holds the highest revision.
    /// </summary>
    public static (IReadOnlyList<RevisionEntry> Entries, long Revision) Record(
        IReadOnlyList<RevisionEntry> history, string hash, V1PodTemplateSpec template, string? changeCause, int historyLimit, DateTime now)
    {
        var max = history.Count == 0 ? 0 : history.Max(e => e.Revision);
        var mine = history.FirstOrDefault(e => e.PodTemplateHash == hash);
        if (mine is not null && mine.Revision == max) return (history, max);
        var kept = history.Where(e => e.PodTemplateHash != hash).ToList();
        var entry = new RevisionEntry(max + 1, hash, template, changeCause ?? mine?.ChangeCause, now);
        var limit = Math.Max(historyLimit, 0);
        if (kept.Count > limit) kept = kept.Skip(kept.Count - limit).ToList();
        kept.Add(entry);
        return (kept, entry.Revision);
    }
}
