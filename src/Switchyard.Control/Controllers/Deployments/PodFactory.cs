using System.Text.Json;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// Builds the pods of a Deployment from its template: named <c>&lt;deployment&gt;-&lt;hash&gt;-&lt;5 random
/// characters&gt;</c> (the prefix cut to 58 characters as Kubernetes cuts generated names), the template's
/// labels plus <c>pod-template-hash</c>, its annotations, and a controlling owner reference to the Deployment.
/// </summary>
internal static class PodFactory
{
    private const int MaxPrefix = 58;
    private const int SuffixLength = 5;

    public static V1Pod Build(V1Deployment deployment, string hash, Random random)
    {
        var template = deployment.Spec.Template;
        var labels = new Dictionary<string, string>(template?.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [DeploymentLabels.PodTemplateHash] = hash,
        };
        var spec = template?.Spec is null
            ? new V1PodSpec()
            : ResourceJson.Copy(template.Spec);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = Name(deployment.Metadata.Name, hash, random),
                NamespaceProperty = deployment.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template?.Metadata?.Annotations is { Count: > 0 } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : null,
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "apps/v1",
                        Kind = "Deployment",
                        Name = deployment.Metadata.Name,
                        Uid = deployment.Metadata.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
    }

    public static string Name(string deployment, string hash, Random random)
    {
        var prefix = $"{deployment}-{hash}-";
        if (prefix.Length > MaxPrefix) prefix = prefix[..MaxPrefix];
        var suffix = new char[SuffixLength];
        for (var i = 0; i < suffix.Length; i++) suffix[i] = PodTemplateHash.Alphabet[random.Next(PodTemplateHash.Alphabet.Length)];
        return prefix + new string(suffix);
    }
}
