using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>Decodes a JSON manifest, applies API defaults and returns the object with every validation error as "path: message".</summary>
internal static class GatewayRuleCheck
{
    public static T Defaulted<T>(string json) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var obj = (T)ResourceJson.Deserialize(ResourceKinds.ForType(typeof(T)), json);
        ResourceValidation.ApplyDefaults(obj);
        return obj;
    }

    public static List<string> Errors<T>(string json) where T : class, IKubernetesObject<V1ObjectMeta> =>
        Errors(Defaulted<T>(json));

    public static List<string> Errors(IKubernetesObject<V1ObjectMeta> obj) =>
        ResourceValidation.Validate(obj).Select(e => e.ToString()).ToList();
}
