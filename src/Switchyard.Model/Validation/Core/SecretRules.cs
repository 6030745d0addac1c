using System.Text;
using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>
/// API rules of Secret: type Opaque by default, stringData merged into data (as the API server does on
/// write), valid keys, the keys each well-known type requires (kubernetes.io/tls: tls.crt and tls.key), 1 MiB total.
/// </summary>
internal sealed class SecretRules : KindRules<V1Secret>
{
    public const int MaxTotalBytes = 1024 * 1024;

    protected override void Default(V1Secret obj)
    {
        if (string.IsNullOrEmpty(obj.Type)) obj.Type = "Opaque";
        if (obj.StringData is { Count: > 0 } stringData)
        {
            obj.Data ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (k, v) in stringData) obj.Data[k] = Encoding.UTF8.GetBytes(v ?? "");
            obj.StringData = null;
        }
    }

    protected override void Validate(V1Secret obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        long total = 0;
        foreach (var (key, value) in (obj.Data ?? new Dictionary<string, byte[]>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ConfigKeys.Validate(key, FieldPath.Key("data", key), errors);
            total += value?.Length ?? 0;
        }
        foreach (var key in (obj.StringData?.Keys ?? []).Order(StringComparer.Ordinal)) ConfigKeys.Validate(key, FieldPath.Key("stringData", key), errors);
        if (total > MaxTotalBytes) errors.TooLong("data", MaxTotalBytes);

        var data = obj.Data;
        switch (obj.Type)
        {
            case "kubernetes.io/tls":
                RequireKey(data, "tls.crt", errors);
                RequireKey(data, "tls.key", errors);
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireKey(data, ".dockerconfigjson", errors);
                break;
            case "kubernetes.io/dockercfg":
                RequireKey(data, ".dockercfg", errors);
                break;
            case "kubernetes.io/ssh-auth":
                RequireKey(data, "ssh-privatekey", errors);
                break;
            case "kubernetes.io/basic-auth":
                if (data is null || (!data.ContainsKey("username") && !data.ContainsKey("password")))
                {
                    errors.Required("data[username]", "either `username` or `password` is required for this type of secret");
                }
                break;
            case "kubernetes.io/service-account-token":
                if (obj.Metadata?.Annotations?.ContainsKey("kubernetes.io/service-account.name") != true)
                {
                    errors.Required("metadata.annotations[kubernetes.io/service-account.name]");
                }
                break;
        }
    }

    private static void RequireKey(IDictionary<string, byte[]>? data, string key, List<FieldError> errors)
    {
        if (data is null || !data.ContainsKey(key)) errors.Required(FieldPath.Key("data", key));
    }
}
