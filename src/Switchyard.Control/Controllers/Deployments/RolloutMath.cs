using System.Globalization;
using k8s.Models;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// maxSurge and maxUnavailable as pod counts, resolved as Kubernetes does: a percentage of the
/// desired replicas, rounded up for surge and down for unavailable; if both come out 0, one pod may be
/// unavailable so that a rollout can make progress. Recreate has neither.
/// </summary>
public static class RolloutMath
{
    public static (int MaxSurge, int MaxUnavailable) Resolve(V1DeploymentStrategy? strategy, int desired)
    {
        if (strategy?.Type == "Recreate") return (0, 0);
        var ru = strategy?.RollingUpdate;
        var surge = Scaled(ru?.MaxSurge?.Value ?? "25%", desired, roundUp: true);
        var unavailable = Scaled(ru?.MaxUnavailable?.Value ?? "25%", desired, roundUp: false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return (surge, unavailable);
    }

    /// <summary>An integer, or a percentage of <paramref name="total"/> rounded as asked; an unreadable value counts as 0.</summary>
    public static int Scaled(string value, int total, bool roundUp)
    {
        value = value.Trim();
        if (value.EndsWith('%'))
        {
            if (!int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent)) return 0;
            var exact = (double)percent * total / 100;
            return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        }
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
    }
}
