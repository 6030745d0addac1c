using System.Collections.Frozen;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Validation;

/// <summary>Defaulting and validation for any resource, dispatched to its kind's rules.</summary>
public static class ResourceValidation
{
    private static readonly FrozenDictionary<ResourceKind, IKindRules> Rules = KindRules.All.ToFrozenDictionary(r => r.Kind);

    public static void ApplyDefaults(IKubernetesObject<V1ObjectMeta> obj) => Rules[ResourceKinds.Of(obj)].ApplyDefaults(obj);

    /// <summary>Every problem of a defaulted object, metadata included.</summary>
    public static IReadOnlyList<FieldError> Validate(IKubernetesObject<V1ObjectMeta> obj)
    {
        var errors = new List<FieldError>();
        Rules[ResourceKinds.Of(obj)].Validate(obj, errors);
        return errors;
    }
}
