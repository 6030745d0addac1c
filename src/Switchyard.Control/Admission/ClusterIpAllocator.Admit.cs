using System.Net;
using k8s.Models;
using Switchyard.Model.Networking;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Admission;

/// <summary>The decision for one create or update, made under the allocator's lock.</summary>
public sealed partial class ClusterIpAllocator
{
    private const string ClusterIPsPath = "spec.clusterIPs";
    private const string IpFamiliesPath = "spec.ipFamilies";
    private const string PolicyPath = "spec.ipFamilyPolicy";

    private PendingChange Admit(V1Service service, V1Service? existing, List<FieldError> errors)
    {
        var spec = service.Spec ??= new V1ServiceSpec();
        var change = new PendingChange(KeyOf(service), [], []);
        var old = existing?.Spec is { Type: not ServiceTypes.ExternalName } s ? s : null;
        var oldIps = old is null ? [] : IpTexts(old);

        if (spec.Type == ServiceTypes.ExternalName)
        {
            AdmitExternalName(spec, existing is not null ? oldIps : null, errors);
            change.ReleaseOnCommit.AddRange(AddressesOf(old));
            return change;
        }

        // An update that leaves the IP fields empty keeps what is stored, as the API server does.
        if (old is not null && oldIps.Count > 0 && string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIPs is not { Count: > 0 })
        {
            spec.ClusterIPs = [.. oldIps];
            spec.ClusterIP = oldIps[0];
            if (spec.IpFamilies is not { Count: > 0 } && old.IpFamilies is { Count: > 0 }) spec.IpFamilies = [.. old.IpFamilies];
            spec.IpFamilyPolicy ??= old.IpFamilyPolicy;
        }

        var requested = IpTexts(spec);
        if (!string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIPs is { Count: > 0 } && spec.ClusterIPs[0] != spec.ClusterIP)
        {
            errors.Invalid(FieldPath.Index(ClusterIPsPath, 0), spec.ClusterIPs[0], $"must match spec.clusterIP ({FieldErrors.Show(spec.ClusterIP)})");
        }

        // Downgrading a dual-stack Service to SingleStack drops its secondary address.
        if (old is not null && spec.IpFamilyPolicy == IpFamilyPolicies.SingleStack && requested.Count == 2 && requested.SequenceEqual(oldIps))
        {
            requested = [requested[0]];
            if (spec.IpFamilies is { Count: 2 }) spec.IpFamilies = [spec.IpFamilies[0]];
        }

        for (var i = 0; i < Math.Min(requested.Count, oldIps.Count); i++)
        {
            if (requested[i] != oldIps[i]) errors.Invalid(FieldPath.Index(ClusterIPsPath, i), requested[i], "may not change once set");
        }
        if (old is not null && oldIps.Count > 0 && requested.Count == 0)
        {
            errors.Invalid(FieldPath.Index(ClusterIPsPath, 0), "", "may not change once set");
        }

        var policy = spec.IpFamilyPolicy;
        if (policy is not null && !IpFamilyPolicies.All.Contains(policy))
        {
            errors.NotSupported(PolicyPath, policy, IpFamilyPolicies.All);
        }

        if (requested.Count > 0 && requested[0] == ClusterIPs.None)
        {
            AdmitHeadless(spec, requested, errors);
            return change;
        }

        var families = ResolveFamilies(spec, requested, old, errors, out var addresses);
        if (errors.Count > 0) return change;

        var final = new List<string>();
        for (var i = 0; i < families.Count; i++)
        {
            var path = FieldPath.Index(ClusterIPsPath, i);
            var range = RangeFor(families[i])!;
            if (i < addresses.Count)
            {
                var address = addresses[i];
                final.Add(requested[i]);
                if (i < oldIps.Count) continue; // unchanged, already held
                if (!range.Contains(address))
                {
                    errors.Invalid(path, requested[i], $"provided IP is not in the valid range. The range of valid IPs is {range.Cidr}");
                }
                else if (_holders.ContainsKey(address))
                {
                    errors.Invalid(path, requested[i], "provided IP is already allocated");
                }
                else
                {
                    Take(range, address, change.Service, committed: false);
                    change.Reserved.Add(address);
                }
            }
            else if (i < oldIps.Count)
            {
                final.Add(oldIps[i]);
            }
            else if (range.TakeAny(_random) is { } allocated)
            {
                _holders[allocated] = new Holder(change.Service);
                change.Reserved.Add(allocated);
                final.Add(allocated.ToString());
            }
            else
            {
                errors.Forbidden(path, $"failed to allocate an {IpFamilies.Name(families[i])} cluster IP: range is full. The range of valid IPs is {range.Cidr}");
            }
        }
        if (errors.Count > 0) return change;

        var kept = final.ToHashSet();
        change.ReleaseOnCommit.AddRange(AddressesOf(old).Where(a => !kept.Contains(a.ToString())));
        spec.ClusterIP = final[0];
        spec.ClusterIPs = final;
        spec.IpFamilies = families.Select(IpFamilies.Name).ToList();
        spec.IpFamilyPolicy ??= IpFamilyPolicies.SingleStack;
        return change;
    }

    /// <summary>
    /// Works out the families a Service gets, from (in order) spec.ipFamilies, the addresses it asks
    /// for, and the cluster's primary family; then applies spec.ipFamilyPolicy. Reports every conflict.
    /// </summary>
    private List<IpFamily> ResolveFamilies(V1ServiceSpec spec, List<string> requested, V1ServiceSpec? old, List<FieldError> errors, out List<IPAddress> addresses)
    {
        addresses = [];
        for (var i = 0; i < requested.Count; i++)
        {
            var path = FieldPath.Index(ClusterIPsPath, i);
            if (!IpFamilies.TryParseStrict(requested[i], out var address))
            {
                errors.Invalid(path, requested[i], requested[i] == ClusterIPs.None
                    ? "may only be set to \"None\" in spec.clusterIPs[0]"
                    : "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
                continue;
            }
            if (addresses.Any(a => IpFamilies.Of(a) == IpFamilies.Of(address)))
            {
                errors.Invalid(path, requested[i], "may specify no more than one IP for each IP family");
                continue;
            }
            addresses.Add(address);
        }
        if (requested.Count > 2) errors.TooMany(ClusterIPsPath, requested.Count, 2);

        var declared = ParseDeclaredFamilies(spec, errors);
        var families = new List<IpFamily>(declared);
        for (var i = 0; i < addresses.Count; i++)
        {
            var family = IpFamilies.Of(addresses[i]);
            if (i < families.Count && families[i] != family)
            {
                errors.Invalid(FieldPath.Index(ClusterIPsPath, i), requested[i], $"expected an {IpFamilies.Name(families[i])} value as indicated by `ipFamilies[{i}]`");
            }
            else if (i >= families.Count)
            {
                families.Add(family);
            }
        }
        if (families.Count == 0) families.Add(old?.IpFamilies is { Count: > 0 } o && IpFamilies.Parse(o[0]) is { } f ? f : PrimaryFamily);

        var policy = spec.IpFamilyPolicy ?? IpFamilyPolicies.SingleStack;
        if (policy == IpFamilyPolicies.SingleStack && (families.Count > 1 || requested.Count > 1))
        {
            errors.Invalid(IpFamiliesPath, string.Join(",", families.Select(IpFamilies.Name)), "when spec.ipFamilyPolicy is SingleStack, must have only one IP family (and at most one cluster IP)");
        }
        if (policy == IpFamilyPolicies.RequireDualStack && !DualStack)
        {
            errors.Invalid(PolicyPath, policy, "this cluster is not configured for dual-stack services: configure one IPv4 and one IPv6 service range");
        }
        if (policy is IpFamilyPolicies.RequireDualStack or IpFamilyPolicies.PreferDualStack && DualStack && families.Count == 1)
        {
            families.Add(families[0] == IpFamily.IPv4 ? IpFamily.IPv6 : IpFamily.IPv4);
        }
        for (var i = 0; i < families.Count; i++)
        {
            if (RangeFor(families[i]) is null)
            {
                errors.Invalid(FieldPath.Index(IpFamiliesPath, i), IpFamilies.Name(families[i]), $"no {IpFamilies.Name(families[i])} service range is configured on this cluster");
            }
        }
        if (old?.IpFamilies is { Count: > 0 } oldFamilies && IpFamilies.Parse(oldFamilies[0]) is { } oldPrimary && families[0] != oldPrimary)
        {
            errors.Invalid(FieldPath.Index(IpFamiliesPath, 0), IpFamilies.Name(families[0]), "may not change once set");
        }
        return families;
    }

    private static List<IpFamily> ParseDeclaredFamilies(V1ServiceSpec spec, List<FieldError> errors)
    {
        var families = new List<IpFamily>();
        for (var i = 0; i < (spec.IpFamilies?.Count ?? 0); i++)
        {
            var path = FieldPath.Index(IpFamiliesPath, i);
            var text = spec.IpFamilies![i];
            if (IpFamilies.Parse(text) is not { } family)
            {
                errors.NotSupported(path, text, ["IPv4", "IPv6"]);
            }
            else if (families.Contains(family))
            {
                errors.Duplicate(path, text);
            }
            else
            {
                families.Add(family);
            }
        }
        if (families.Count > 2) errors.TooMany(IpFamiliesPath, families.Count, 2);
        return families;
    }

    /// <summary>
    /// Headless: no address is allocated. The families default like Kubernetes: a headless Service
    /// without a selector is RequireDualStack on a dual-stack cluster, otherwise SingleStack.
    /// </summary>
    private void AdmitHeadless(V1ServiceSpec spec, List<string> requested, List<FieldError> errors)
    {
        for (var i = 1; i < requested.Count; i++)
        {
            errors.Invalid(FieldPath.Index(ClusterIPsPath, i), requested[i], "must not be set when spec.clusterIPs[0] is \"None\"");
        }
        var declared = ParseDeclaredFamilies(spec, errors);
        var selectorless = spec.Selector is not { Count: > 0 };
        spec.IpFamilyPolicy ??= selectorless && DualStack ? IpFamilyPolicies.RequireDualStack : IpFamilyPolicies.SingleStack;
        if (spec.IpFamilyPolicy == IpFamilyPolicies.RequireDualStack && !DualStack)
        {
            errors.Invalid(PolicyPath, spec.IpFamilyPolicy, "this cluster is not configured for dual-stack services: configure one IPv4 and one IPv6 service range");
        }
        if (declared.Count == 0) declared.Add(PrimaryFamily);
        if (spec.IpFamilyPolicy != IpFamilyPolicies.SingleStack && DualStack && declared.Count == 1)
        {
            declared.Add(declared[0] == IpFamily.IPv4 ? IpFamily.IPv6 : IpFamily.IPv4);
        }
        if (spec.IpFamilyPolicy == IpFamilyPolicies.SingleStack && declared.Count > 1)
        {
            errors.Invalid(IpFamiliesPath, string.Join(",", declared.Select(IpFamilies.Name)), "when spec.ipFamilyPolicy is SingleStack, must have only one IP family (and at most one cluster IP)");
        }
        spec.ClusterIP = ClusterIPs.None;
        spec.ClusterIPs = [ClusterIPs.None];
        spec.IpFamilies = declared.Select(IpFamilies.Name).ToList();
    }

    /// <summary>
    /// ExternalName Services hold no cluster IP. On a type change the API server drops IP fields the
    /// user left as they were; anything else set is refused.
    /// </summary>
    private static void AdmitExternalName(V1ServiceSpec spec, List<string>? oldIps, List<FieldError> errors)
    {
        var requested = IpTexts(spec);
        if (oldIps is not null && (requested.Count == 0 || requested.SequenceEqual(oldIps)))
        {
            spec.ClusterIP = null;
            spec.ClusterIPs = null;
            spec.IpFamilies = null;
            spec.IpFamilyPolicy = null;
            return;
        }
        if (requested.Count > 0)
        {
            errors.Forbidden(ClusterIPsPath, "may not be set when spec.type is ExternalName");
        }
    }

    /// <summary>spec.clusterIPs, or [spec.clusterIP] when only that is set.</summary>
    private static List<string> IpTexts(V1ServiceSpec spec) =>
        spec.ClusterIPs is { Count: > 0 } ips ? [.. ips]
        : string.IsNullOrEmpty(spec.ClusterIP) ? []
        : [spec.ClusterIP];
}
