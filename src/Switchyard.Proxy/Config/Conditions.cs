using k8s.Models;

namespace Switchyard.Proxy.Config;

/// <summary>Builds status conditions, keeping lastTransitionTime when a condition's status did not change.</summary>
internal static class Conditions
{
    public static V1Condition Make(string type, bool status, string reason, string message, long? generation, IList<V1Condition>? previous, DateTime now)
    {
        var s = status ? "True" : "False";
        var old = previous?.FirstOrDefault(c => c.Type == type);
        return new V1Condition
        {
            Type = type,
            Status = s,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = old is not null && old.Status == s ? old.LastTransitionTime : now,
        };
    }

    /// <summary>True when both lists say the same (type, status, reason, message, generation) in the same order.</summary>
    public static bool Same(IList<V1Condition>? a, IList<V1Condition>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            var x = a![i];
            var y = b![i];
            if (x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message || x.ObservedGeneration != y.ObservedGeneration) return false;
        }
        return true;
    }
}
