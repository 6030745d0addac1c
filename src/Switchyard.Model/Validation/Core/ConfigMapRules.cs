using System.Text;
using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>API rules of ConfigMap: valid keys, no key in both data and binaryData, 1 MiB in total.</summary>
internal sealed class ConfigMapRules : KindRules<V1ConfigMap>
{
    public const int MaxTotalBytes = 1024 * 1024;

    protected override void Validate(V1ConfigMap obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        long total = 0;
        foreach (var (key, value) in (obj.Data ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ConfigKeys.Validate(key, FieldPath.Key("data", key), errors);
            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value ?? "");
        }
        foreach (var (key, value) in (obj.BinaryData ?? new Dictionary<string, byte[]>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var path = FieldPath.Key("binaryData", key);
            ConfigKeys.Validate(key, path, errors);
            if (obj.Data?.ContainsKey(key) == true) errors.Invalid(path, key, "duplicate of key present in data");
            total += Encoding.UTF8.GetByteCount(key) + (value?.Length ?? 0);
        }
        if (total > MaxTotalBytes) errors.TooLong("", MaxTotalBytes);
    }
}
