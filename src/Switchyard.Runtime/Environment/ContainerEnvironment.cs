using System.Collections;
using System.Text;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Runtime.Environment;

/// <summary>
/// Builds a container's environment, in the kubelet's order (later entries win): the runtime's own
/// environment (when inherited) with <see cref="RuntimeOptions.PathPrefix"/> in front of PATH, <c>POD_IP</c>/<c>POD_NAME</c>/<c>POD_NAMESPACE</c>/<c>SWITCHYARD_DNS</c>, the
/// service links, <c>envFrom</c> sources in order, then <c>env</c> in order with <c>$(VAR)</c> expansion over
/// what came before. A missing ConfigMap, Secret or key that is not optional is an error (the kubelet's
/// CreateContainerConfigError), as is a fieldRef the local runtime cannot resolve.
/// </summary>
internal sealed class ContainerEnvironment(IResourceStore store, RuntimeOptions options)
{
    public async Task<(Dictionary<string, string>? Env, string? Error)> BuildAsync(V1Pod pod, V1Container container, string podIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.InheritEnvironment)
        {
            foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            {
                if (e.Key is string k && e.Value is string v && !k.StartsWith("SWITCHYARD_", StringComparison.Ordinal)) env[k] = v;
            }
        }
        if (options.PathPrefix.Count > 0)
        {
            env["PATH"] = string.Join(':', options.PathPrefix.Append(env.GetValueOrDefault("PATH") ?? "/usr/local/bin:/usr/bin:/bin"));
        }
        env["POD_IP"] = podIp;
        env["POD_NAME"] = pod.Metadata.Name;
        env["POD_NAMESPACE"] = ns;
        if (options.DnsAddress is { Length: > 0 } dns) env["SWITCHYARD_DNS"] = dns;
        if (pod.Spec.EnableServiceLinks ?? true)
        {
            var services = await store.ListAsync(new ListQuery(ResourceKinds.Service, ns), cancellationToken);
            ServiceLinks.AddTo(env, services.Items.OfType<V1Service>());
        }
        var errors = new List<string>();
        foreach (var source in container.EnvFrom ?? [])
        {
            await AddSourceAsync(env, ns, source, errors, cancellationToken);
        }
        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null)
            {
                env[variable.Name] = VariableExpansion.Expand(variable.Value ?? "", name => env.GetValueOrDefault(name));
                continue;
            }
            var value = await ResolveAsync(pod, ns, podIp, variable, errors, cancellationToken);
            if (value is not null) env[variable.Name] = value;
        }
        return errors.Count > 0 ? (null, string.Join("; ", errors)) : (env, null);
    }

    private async Task AddSourceAsync(Dictionary<string, string> env, string ns, V1EnvFromSource source, List<string> errors, CancellationToken cancellationToken)
    {
        var prefix = source.Prefix ?? "";
        if (source.ConfigMapRef is { } cmRef)
        {
            var cm = await store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, ns, cmRef.Name), cancellationToken) as V1ConfigMap;
            if (cm is null)
            {
                if (cmRef.Optional != true) errors.Add($"configmap \"{cmRef.Name}\" not found");
                return;
            }
            foreach (var (k, v) in cm.Data ?? new Dictionary<string, string>()) env[prefix + k] = v;
        }
        if (source.SecretRef is { } sRef)
        {
            var secret = await store.GetAsync(new ObjectRef(ResourceKinds.Secret, ns, sRef.Name), cancellationToken) as V1Secret;
            if (secret is null)
            {
                if (sRef.Optional != true) errors.Add($"secret \"{sRef.Name}\" not found");
                return;
            }
            foreach (var (k, v) in SecretValues(secret)) env[prefix + k] = v;
        }
    }

    private async Task<string?> ResolveAsync(V1Pod pod, string ns, string podIp, V1EnvVar variable, List<string> errors, CancellationToken cancellationToken)
    {
        var from = variable.ValueFrom;
        if (from.FieldRef is { } field)
        {
            var value = FieldValue(pod, podIp, field.FieldPath);
            if (value is null) errors.Add($"env {variable.Name}: fieldRef \"{field.FieldPath}\" is not supported by the local runtime");
            return value;
        }
        if (from.ConfigMapKeyRef is { } cmKey)
        {
            var cm = await store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, ns, cmKey.Name), cancellationToken) as V1ConfigMap;
            if (cm?.Data?.TryGetValue(cmKey.Key, out var v) == true) return v;
            if (cmKey.Optional != true)
            {
                errors.Add(cm is null ? $"configmap \"{cmKey.Name}\" not found" : $"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
            }
            return null;
        }
        if (from.SecretKeyRef is { } sKey)
        {
            var secret = await store.GetAsync(new ObjectRef(ResourceKinds.Secret, ns, sKey.Name), cancellationToken) as V1Secret;
            if (secret is not null && SecretValues(secret).TryGetValue(sKey.Key, out var v)) return v;
            if (sKey.Optional != true)
            {
                errors.Add(secret is null ? $"secret \"{sKey.Name}\" not found" : $"couldn't find key {sKey.Key} in Secret {ns}/{sKey.Name}");
            }
            return null;
        }
        errors.Add($"env {variable.Name}: valueFrom source is not supported by the local runtime (use fieldRef, configMapKeyRef or secretKeyRef)");
        return null;
    }

    /// <summary>The value of a downward-API field path, or null when it is not one the local runtime knows.</summary>
    public string? FieldValue(V1Pod pod, string podIp, string path)
    {
        switch (path)
        {
            case "metadata.name": return pod.Metadata.Name;
            case "metadata.namespace": return pod.Metadata.NamespaceProperty ?? "default";
            case "metadata.uid": return pod.Metadata.Uid ?? "";
            case "spec.nodeName": return string.IsNullOrEmpty(pod.Spec.NodeName) ? options.NodeName : pod.Spec.NodeName;
            case "spec.serviceAccountName": return pod.Spec.ServiceAccountName ?? "default";
            case "status.podIP": return podIp;
            case "status.podIPs": return podIp;
            case "status.hostIP": return options.HostIP;
            case "status.hostIPs": return options.HostIP;
        }
        if (Subscript(path, "metadata.labels") is { } label) return pod.Metadata.Labels?.TryGetValue(label, out var l) == true ? l : "";
        if (Subscript(path, "metadata.annotations") is { } annotation) return pod.Metadata.Annotations?.TryGetValue(annotation, out var a) == true ? a : "";
        return null;
    }

    /// <summary>"x" from <c>prefix['x']</c>.</summary>
    private static string? Subscript(string path, string prefix)
    {
        if (!path.StartsWith(prefix + "['", StringComparison.Ordinal) || !path.EndsWith("']", StringComparison.Ordinal)) return null;
        return path[(prefix.Length + 2)..^2];
    }

    private static Dictionary<string, string> SecretValues(V1Secret secret)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in secret.Data ?? new Dictionary<string, byte[]>()) values[k] = Encoding.UTF8.GetString(v);
        foreach (var (k, v) in secret.StringData ?? new Dictionary<string, string>()) values[k] = v;
        return values;
    }
}
