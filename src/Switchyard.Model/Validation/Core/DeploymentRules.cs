using System.Globalization;
using k8s.Models;
using Switchyard.Model.Selectors;

namespace Switchyard.Model.Validation.Core;

/// <summary>
/// API rules of apps/v1 Deployment: selector (required, matching the template labels), replicas,
/// rollout strategy (RollingUpdate 25%/25% by default), history and deadline fields, and the pod template.
/// </summary>
internal sealed class DeploymentRules : KindRules<V1Deployment>
{
    private static readonly string[] Strategies = ["Recreate", "RollingUpdate"];
    private static readonly string[] TemplateRestartPolicies = ["Always"];

    protected override void Default(V1Deployment obj)
    {
        var spec = obj.Spec ??= new V1DeploymentSpec();
        spec.Replicas ??= 1;
        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        spec.MinReadySeconds ??= 0;
        spec.Strategy ??= new V1DeploymentStrategy();
        spec.Strategy.Type ??= "RollingUpdate";
        if (spec.Strategy.Type == "RollingUpdate")
        {
            var ru = spec.Strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
            ru.MaxSurge ??= "25%";
            ru.MaxUnavailable ??= "25%";
        }
        PodSpecRules.Default(spec.Template?.Spec);
    }

    protected override void Validate(V1Deployment obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        if (spec.Replicas is < 0) errors.Invalid("spec.replicas", spec.Replicas.Value, "must be greater than or equal to 0");
        if (spec.MinReadySeconds is < 0) errors.Invalid("spec.minReadySeconds", spec.MinReadySeconds.Value, "must be greater than or equal to 0");
        if (spec.RevisionHistoryLimit is < 0) errors.Invalid("spec.revisionHistoryLimit", spec.RevisionHistoryLimit.Value, "must be greater than or equal to 0");
        if (spec.ProgressDeadlineSeconds is { } deadline)
        {
            if (deadline < 0) errors.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than or equal to 0");
            else if (deadline <= (spec.MinReadySeconds ?? 0)) errors.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds");
        }
        ValidateStrategy(spec.Strategy, errors);
        ValidateSelectorAndTemplate(spec, errors);
    }

    private static void ValidateSelectorAndTemplate(V1DeploymentSpec spec, List<FieldError> errors)
    {
        var selector = spec.Selector;
        var selectorOk = false;
        if (selector is null) errors.Required("spec.selector");
        else if ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0)
        {
            errors.Invalid("spec.selector", "{}", "empty selector is invalid for deployment");
        }
        else
        {
            var before = errors.Count;
            MetadataRules.ValidateLabelSelector(selector, "spec.selector", errors);
            selectorOk = errors.Count == before;
        }
        if (spec.Template is not { } template)
        {
            errors.Required("spec.template");
            return;
        }
        var labels = template.Metadata?.Labels;
        MetadataRules.ValidateLabels(labels, "spec.template.metadata.labels", errors);
        MetadataRules.ValidateAnnotations(template.Metadata?.Annotations, "spec.template.metadata.annotations", errors);
        if (selectorOk && !Selector.FromLabelSelector(selector!).Matches(labels))
        {
            var shown = labels is null ? "{}" : string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            errors.Invalid("spec.template.metadata.labels", shown, "`selector` does not match template `labels`");
        }
        PodSpecRules.Validate(template.Spec, "spec.template.spec", errors);
        if (template.Spec?.RestartPolicy is { } rp && rp != "Always" && PodSpecRules.RestartPolicies.Contains(rp, StringComparer.Ordinal)) errors.NotSupported("spec.template.spec.restartPolicy", rp, TemplateRestartPolicies);
    }

    private static void ValidateStrategy(V1DeploymentStrategy? strategy, List<FieldError> errors)
    {
        if (strategy is null) return;
        var type = strategy.Type ?? "RollingUpdate";
        if (!Strategies.Contains(type, StringComparer.Ordinal))
        {
            errors.NotSupported("spec.strategy.type", type, Strategies);
            return;
        }
        if (type == "Recreate")
        {
            if (strategy.RollingUpdate is not null) errors.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
            return;
        }
        if (strategy.RollingUpdate is not { } ru) return;
        var surge = ValidateIntOrPercent(ru.MaxSurge, "spec.strategy.rollingUpdate.maxSurge", allowOver100: true, errors);
        var unavailable = ValidateIntOrPercent(ru.MaxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", allowOver100: false, errors);
        if (surge == 0 && unavailable == 0)
        {
            var shown = PortRules.IsNumeric(ru.MaxUnavailable?.Value, out var zero) ? (object)zero : ru.MaxUnavailable?.Value;
            errors.Invalid("spec.strategy.rollingUpdate.maxUnavailable", shown, "may not be 0 when `maxSurge` is 0");
        }
    }

    /// <summary>Validates a non-negative integer or percentage; returns its number (percent or count), or null when invalid or absent.</summary>
    private static long? ValidateIntOrPercent(IntOrString? value, string path, bool allowOver100, List<FieldError> errors)
    {
        if (value?.Value is not { Length: > 0 } text) return null;
        if (PortRules.IsNumeric(text, out var n))
        {
            if (n < 0) errors.Invalid(path, n, "must be greater than or equal to 0");
            return n < 0 ? null : n;
        }
        if (!text.EndsWith('%') || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
        {
            errors.Invalid(path, text, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')");
            return null;
        }
        if (!allowOver100 && percent > 100)
        {
            errors.Invalid(path, text, "must not be greater than 100%");
            return null;
        }
        return percent;
    }
}
