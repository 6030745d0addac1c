using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for BackendTLSPolicy (the v1 CRD's schema and its CEL rules): 1 to 16 targetRefs, each a Service in the
/// core group, not targeted twice; a validation with a precise hostname (no wildcard, not an IP address), exactly one
/// of 1 to 8 caCertificateRefs or wellKnownCACertificates "System", and at most 5 subjectAltNames whose type matches
/// the field set.
/// </summary>
internal sealed class BackendTLSPolicyRules : KindRules<BackendTLSPolicy>
{
    public const int MaxTargets = 16;
    public const int MaxCaCertificateRefs = 8;
    public const int MaxSubjectAltNames = 5;
    public const int MaxOptions = 16;

    protected override void Validate(BackendTLSPolicy obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        Targets(spec.TargetRefs, errors);
        Validation(spec.Validation, errors);
        if (spec.Options is { } options)
        {
            GatewayFields.MaxItems(options, "spec.options", MaxOptions, errors);
            foreach (var key in options.Keys) GatewayFields.MaxLength(key, FieldPath.Child("spec.options", key), 253, errors);
        }
    }

    private static void Targets(IList<LocalPolicyTargetReferenceWithSectionName>? targets, List<FieldError> errors)
    {
        if (targets is not { Count: > 0 })
        {
            errors.Required("spec.targetRefs", "must name at least one Service");
            return;
        }
        GatewayFields.MaxItems(targets, "spec.targetRefs", MaxTargets, errors);
        var seen = new HashSet<(string, string?)>();
        for (var i = 0; i < targets.Count; i++)
        {
            var path = FieldPath.Index("spec.targetRefs", i);
            if (targets[i] is not { } t)
            {
                errors.Required(path);
                continue;
            }
            GatewayFields.LocalRef(t.Group, t.Kind, t.Name, path, errors);
            if (!string.IsNullOrEmpty(t.Group) || t.Kind != "Service")
                errors.NotSupported(FieldPath.Child(path, "kind"), string.IsNullOrEmpty(t.Group) ? t.Kind : $"{t.Group}/{t.Kind}", ["Service"]);
            if (t.SectionName is not null) GatewayFields.SectionName(t.SectionName, FieldPath.Child(path, "sectionName"), errors);
            if (!seen.Add((t.Name, t.SectionName))) errors.Duplicate(path, t.SectionName is null ? t.Name : $"{t.Name}/{t.SectionName}");
        }
    }

    private static void Validation(BackendTLSPolicyValidation? validation, List<FieldError> errors)
    {
        const string path = "spec.validation";
        if (validation is null)
        {
            errors.Required(path);
            return;
        }
        if (string.IsNullOrEmpty(validation.Hostname)) errors.Required($"{path}.hostname", "the name sent as SNI and checked in the certificate");
        else
        {
            GatewayFields.PreciseHostname(validation.Hostname, $"{path}.hostname", errors);
            if (System.Net.IPAddress.TryParse(validation.Hostname, out _)) errors.Invalid($"{path}.hostname", validation.Hostname, "must be a DNS name, not an IP address");
        }
        var refs = validation.CaCertificateRefs;
        var hasRefs = refs is { Count: > 0 };
        var wellKnown = validation.WellKnownCACertificates;
        if (hasRefs == !string.IsNullOrEmpty(wellKnown))
            errors.Invalid(path, null, "exactly one of caCertificateRefs and wellKnownCACertificates must be set");
        if (hasRefs)
        {
            GatewayFields.MaxItems(refs!, $"{path}.caCertificateRefs", MaxCaCertificateRefs, errors);
            for (var i = 0; i < refs!.Count; i++)
            {
                var refPath = FieldPath.Index($"{path}.caCertificateRefs", i);
                if (refs[i] is not { } r) errors.Required(refPath);
                else GatewayFields.LocalRef(r.Group, r.Kind, r.Name, refPath, errors);
            }
        }
        GatewayFields.OneOf(wellKnown, $"{path}.wellKnownCACertificates", ["System"], errors);
        if (validation.SubjectAltNames is not { } names) return;
        GatewayFields.MaxItems(names, $"{path}.subjectAltNames", MaxSubjectAltNames, errors);
        for (var i = 0; i < names.Count; i++)
        {
            var namePath = FieldPath.Index($"{path}.subjectAltNames", i);
            if (names[i] is not { } san)
            {
                errors.Required(namePath);
                continue;
            }
            GatewayFields.OneOf(san.Type, FieldPath.Child(namePath, "type"), ["Hostname", "URI"], errors, required: true);
            if (san.Type == "Hostname")
            {
                if (string.IsNullOrEmpty(san.Hostname)) errors.Required(FieldPath.Child(namePath, "hostname"), "type Hostname sets hostname");
                else GatewayFields.Hostname(san.Hostname, FieldPath.Child(namePath, "hostname"), errors);
                if (san.Uri is not null) errors.Forbidden(FieldPath.Child(namePath, "uri"), "only with type URI");
            }
            else if (san.Type == "URI")
            {
                if (string.IsNullOrEmpty(san.Uri)) errors.Required(FieldPath.Child(namePath, "uri"), "type URI sets uri");
                else if (!Uri.TryCreate(san.Uri, UriKind.Absolute, out var uri) || uri.IsFile || !san.Uri.Contains("://", StringComparison.Ordinal) || san.Uri.Length > 253)
                    errors.Invalid(FieldPath.Child(namePath, "uri"), san.Uri, "must be an absolute URI (RFC 3986) of at most 253 characters, such as spiffe://cluster.local/ns/web/sa/api");
                if (san.Hostname is not null) errors.Forbidden(FieldPath.Child(namePath, "hostname"), "only with type Hostname");
            }
        }
    }
}
