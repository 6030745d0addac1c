using System.Text.RegularExpressions;
using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>Defaults and rules of one container of a pod spec: name, image, ports, env, probes.</summary>
internal static partial class ContainerRules
{
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] Schemes = ["HTTP", "HTTPS"];

    private const string EnvNameMessage =
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name', or 'MY_ENV.NAME', or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvVarName();

    public static void Default(V1Container c)
    {
        c.ImagePullPolicy ??= ImageHasLatestOrNoTag(c.Image) ? "Always" : "IfNotPresent";
        c.TerminationMessagePath ??= "/dev/termination-log";
        c.TerminationMessagePolicy ??= "File";
        foreach (var p in c.Ports ?? []) p.Protocol ??= "TCP";
        foreach (var e in c.Env ?? [])
        {
            if (e.ValueFrom?.FieldRef is { } f) f.ApiVersion ??= "v1";
        }
        DefaultProbe(c.LivenessProbe);
        DefaultProbe(c.ReadinessProbe);
        DefaultProbe(c.StartupProbe);
    }

    /// <summary>As the API server does: a missing or zero timing field gets its default.</summary>
    private static void DefaultProbe(V1Probe? p)
    {
        if (p is null) return;
        if (p.TimeoutSeconds is null or 0) p.TimeoutSeconds = 1;
        if (p.PeriodSeconds is null or 0) p.PeriodSeconds = 10;
        if (p.SuccessThreshold is null or 0) p.SuccessThreshold = 1;
        if (p.FailureThreshold is null or 0) p.FailureThreshold = 3;
        if (p.HttpGet is { } h)
        {
            if (string.IsNullOrEmpty(h.Path)) h.Path = "/";
            h.Scheme ??= "HTTP";
        }
    }

    private static bool ImageHasLatestOrNoTag(string? image)
    {
        if (string.IsNullOrEmpty(image)) return true;
        if (image.Contains('@', StringComparison.Ordinal)) return false;
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon <= lastSlash || image[(colon + 1)..] == "latest";
    }

    /// <summary>Validates one container; <paramref name="names"/> collects container names across the pod for uniqueness.</summary>
    public static void Validate(V1Container c, string path, HashSet<string> names, List<FieldError> errors)
    {
        var namePath = FieldPath.Child(path, "name");
        if (string.IsNullOrEmpty(c.Name)) errors.Required(namePath);
        else
        {
            errors.InvalidEach(namePath, c.Name, KubernetesNames.ValidateDns1123Label(c.Name));
            if (!names.Add(c.Name)) errors.Duplicate(namePath, c.Name);
        }
        if (string.IsNullOrWhiteSpace(c.Image)) errors.Required(FieldPath.Child(path, "image"));
        if (c.ImagePullPolicy is { } pull && !PullPolicies.Contains(pull, StringComparer.Ordinal))
        {
            errors.NotSupported(FieldPath.Child(path, "imagePullPolicy"), pull, PullPolicies);
        }
        var portNames = ValidatePorts(c.Ports, FieldPath.Child(path, "ports"), errors);
        ValidateEnv(c.Env, FieldPath.Child(path, "env"), errors);
        ValidateProbe(c.LivenessProbe, FieldPath.Child(path, "livenessProbe"), portNames, successMustBeOne: true, errors);
        ValidateProbe(c.ReadinessProbe, FieldPath.Child(path, "readinessProbe"), portNames, successMustBeOne: false, errors);
        ValidateProbe(c.StartupProbe, FieldPath.Child(path, "startupProbe"), portNames, successMustBeOne: true, errors);
    }

    private static HashSet<string> ValidatePorts(IList<V1ContainerPort>? ports, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (ports is null) return names;
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var pp = FieldPath.Index(path, i);
            if (!string.IsNullOrEmpty(p.Name))
            {
                var np = FieldPath.Child(pp, "name");
                errors.InvalidEach(np, p.Name, KubernetesNames.ValidatePortName(p.Name));
                if (!names.Add(p.Name)) errors.Duplicate(np, p.Name);
            }
            PortRules.ValidatePortNumber(p.ContainerPort, FieldPath.Child(pp, "containerPort"), errors);
            if (p.HostPort is { } hp && hp != 0) PortRules.ValidatePortNumber(hp, FieldPath.Child(pp, "hostPort"), errors);
            if (!string.IsNullOrEmpty(p.HostIP)) IpRules.ValidateIp(p.HostIP, FieldPath.Child(pp, "hostIP"), errors);
            PortRules.ValidateProtocol(p.Protocol, FieldPath.Child(pp, "protocol"), errors);
        }
        return names;
    }

    private static void ValidateEnv(IList<V1EnvVar>? env, string path, List<FieldError> errors)
    {
        if (env is null) return;
        for (var i = 0; i < env.Count; i++)
        {
            var e = env[i];
            var ep = FieldPath.Index(path, i);
            var np = FieldPath.Child(ep, "name");
            if (string.IsNullOrEmpty(e.Name)) errors.Required(np);
            else if (!EnvVarName().IsMatch(e.Name)) errors.Invalid(np, e.Name, EnvNameMessage);
            if (e.ValueFrom is not { } from) continue;
            var fp = FieldPath.Child(ep, "valueFrom");
            var sources = (from.FieldRef is null ? 0 : 1) + (from.ResourceFieldRef is null ? 0 : 1)
                + (from.ConfigMapKeyRef is null ? 0 : 1) + (from.SecretKeyRef is null ? 0 : 1) + (from.FileKeyRef is null ? 0 : 1);
            if (sources == 0)
            {
                errors.Invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`");
            }
            else if (sources > 1)
            {
                errors.Invalid(fp, "", "may not have more than one field specified at a time");
            }
            if (!string.IsNullOrEmpty(e.Value)) errors.Invalid(fp, "", "may not be specified when `value` is not empty");
            if (from.FieldRef is { } f && string.IsNullOrEmpty(f.FieldPath)) errors.Required(FieldPath.Child(FieldPath.Child(fp, "fieldRef"), "fieldPath"));
            if (from.ConfigMapKeyRef is { } cm) ValidateKeyRef(cm.Name, cm.Key, FieldPath.Child(fp, "configMapKeyRef"), errors);
            if (from.SecretKeyRef is { } sk) ValidateKeyRef(sk.Name, sk.Key, FieldPath.Child(fp, "secretKeyRef"), errors);
            if (from.ResourceFieldRef is { } rf && string.IsNullOrEmpty(rf.Resource)) errors.Required(FieldPath.Child(FieldPath.Child(fp, "resourceFieldRef"), "resource"));
        }
    }

    private static void ValidateKeyRef(string? name, string? key, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name)) errors.Required(FieldPath.Child(path, "name"));
        if (string.IsNullOrEmpty(key)) errors.Required(FieldPath.Child(path, "key"));
        else ConfigKeys.Validate(key, FieldPath.Child(path, "key"), errors);
    }

    private static void ValidateProbe(V1Probe? p, string path, HashSet<string> portNames, bool successMustBeOne, List<FieldError> errors)
    {
        if (p is null) return;
        var handlers = (p.Exec is null ? 0 : 1) + (p.HttpGet is null ? 0 : 1) + (p.TcpSocket is null ? 0 : 1) + (p.Grpc is null ? 0 : 1);
        if (handlers == 0) errors.Required(path, "must specify a handler type");
        else if (handlers > 1) errors.Forbidden(path, "may not specify more than 1 handler type");
        if (p.Exec is { } exec && (exec.Command is null || exec.Command.Count == 0)) errors.Required(FieldPath.Child(FieldPath.Child(path, "exec"), "command"));
        if (p.HttpGet is { } h)
        {
            var hp = FieldPath.Child(path, "httpGet");
            ValidateProbePort(h.Port, FieldPath.Child(hp, "port"), portNames, errors);
            if (h.Scheme is { } scheme && !Schemes.Contains(scheme, StringComparer.Ordinal)) errors.NotSupported(FieldPath.Child(hp, "scheme"), scheme, Schemes);
        }
        if (p.TcpSocket is { } t) ValidateProbePort(t.Port, FieldPath.Child(FieldPath.Child(path, "tcpSocket"), "port"), portNames, errors);
        if (p.Grpc is { } g) PortRules.ValidatePortNumber(g.Port, FieldPath.Child(FieldPath.Child(path, "grpc"), "port"), errors);
        if (p.InitialDelaySeconds is < 0) errors.Invalid(FieldPath.Child(path, "initialDelaySeconds"), p.InitialDelaySeconds.Value, "must be greater than or equal to 0");
        Positive(p.TimeoutSeconds, FieldPath.Child(path, "timeoutSeconds"), errors);
        Positive(p.PeriodSeconds, FieldPath.Child(path, "periodSeconds"), errors);
        Positive(p.SuccessThreshold, FieldPath.Child(path, "successThreshold"), errors);
        Positive(p.FailureThreshold, FieldPath.Child(path, "failureThreshold"), errors);
        if (successMustBeOne && p.SuccessThreshold is { } s && s != 1) errors.Invalid(FieldPath.Child(path, "successThreshold"), s, "must be 1");
        if (p.TerminationGracePeriodSeconds is <= 0) errors.Invalid(FieldPath.Child(path, "terminationGracePeriodSeconds"), p.TerminationGracePeriodSeconds.Value, "must be greater than 0");
    }

    private static void Positive(int? value, string path, List<FieldError> errors)
    {
        if (value is <= 0) errors.Invalid(path, value.Value, "must be greater than 0");
    }

    /// <summary>A probe port is a number in range, or the name of a port of the same container.</summary>
    private static void ValidateProbePort(IntOrString? port, string path, HashSet<string> portNames, List<FieldError> errors)
    {
        if (port?.Value is not { Length: > 0 } text)
        {
            errors.Required(path);
            return;
        }
        if (PortRules.IsNumeric(text, out var n))
        {
            PortRules.ValidatePortNumber(n, path, errors);
            return;
        }
        var problems = KubernetesNames.ValidatePortName(text);
        errors.InvalidEach(path, text, problems);
        if (problems.Count == 0 && !portNames.Contains(text)) errors.Invalid(path, text, "must be the name of a port of this container");
    }
}
