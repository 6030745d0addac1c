using System.Text;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Client certificate validation (Gateway API <c>spec.tls.frontend</c>): each HTTPS listener takes the validation of
/// its port's <c>perPort</c> entry, else the <c>default</c>. Its CA bundles come from ConfigMaps (Core) or Secrets
/// (key <c>ca.crt</c>), in another namespace only with a ReferenceGrant. Listener status follows the specification:
/// ResolvedRefs False (InvalidCACertificateRef, InvalidCACertificateKind, RefNotPermitted) when a reference is
/// unusable, and Accepted False (NoValidCACertificate) when none is, in which case the listener serves nothing; the
/// Gateway carries InsecureFrontendValidationMode while any validation allows insecure fallback.
/// </summary>
internal sealed partial class GatewayCompiler
{
    /// <summary>The validation of one Gateway port: null when none is configured or no CA is usable; the problems of its references.</summary>
    private sealed record FrontendValidation(ClientCertificateValidation? Validation, bool Configured, List<(string Reason, string Message)> Problems);

    private static readonly FrontendValidation NoValidation = new(null, false, []);

    private readonly Dictionary<(Gateway Gateway, int Port), FrontendValidation> _frontend = [];
    private CaBundles? _caBundles;

    /// <summary>
    /// The client certificate validation of <paramref name="info"/>'s port, for an HTTPS listener whose conditions are
    /// already set: turns its conditions False as the specification asks when CA references are unusable (and the
    /// listener unusable when none is); null when the port validates no client certificate.
    /// </summary>
    private ClientCertificateValidation? ValidationFor(ListenerInfo info)
    {
        var frontend = FrontendFor(info.Gateway, info.Listener.Port);
        var (gen, prev) = (info.Generation, info.Previous);
        if (frontend.Problems.Count > 0)
        {
            var messages = string.Join("; ", frontend.Problems.Select(p => p.Message));
            var resolved = info.Conditions.First(c => c.Type == "ResolvedRefs");
            Replace(info.Conditions, resolved.Status == "True"
                ? Conditions.Make("ResolvedRefs", false, frontend.Problems[0].Reason, messages, gen, prev, now)
                : Conditions.Make("ResolvedRefs", false, resolved.Reason, $"{resolved.Message}; {messages}", gen, prev, now));
        }
        if (frontend.Configured && frontend.Validation is null)
        {
            var why = $"no usable CA certificate for client certificate validation on port {info.Listener.Port}";
            Replace(info.Conditions, Conditions.Make("Accepted", false, "NoValidCACertificate", why, gen, prev, now));
            Replace(info.Conditions, Conditions.Make("Programmed", false, "Invalid", why, gen, prev, now));
            info.Usable = false;
        }
        return frontend.Validation;
    }

    /// <summary>
    /// The client certificate validation of an HTTPS listener or a TLS listener in Terminate mode (null for other
    /// kinds, or when its port validates none): the route entries and TLSRoute targets attached through it carry it,
    /// so a request or connection reaching them from another listener's name is served only when it passed it.
    /// </summary>
    private ClientCertificateValidation? ClientValidationOf(ListenerInfo info) =>
        KindOf(info.Listener) is ListenerKind.Https or ListenerKind.TlsTerminate ? FrontendFor(info.Gateway, info.Listener.Port).Validation : null;

    private static void Replace(List<V1Condition> conditions, V1Condition condition)
    {
        var i = conditions.FindIndex(c => c.Type == condition.Type);
        if (i >= 0) conditions[i] = condition;
        else conditions.Add(condition);
    }

    private FrontendValidation FrontendFor(Gateway gateway, int port)
    {
        if (_frontend.TryGetValue((gateway, port), out var known)) return known;
        var frontend = gateway.Spec.Tls?.Frontend;
        var validation = (frontend?.PerPort?.FirstOrDefault(p => p?.Port == port)?.Tls ?? frontend?.Default)?.Validation;
        var result = validation is null ? NoValidation : Compile(gateway, port, validation);
        _frontend[(gateway, port)] = result;
        return result;
    }

    /// <summary>Every CA reference is checked and reported; the usable ones make the trust bundle.</summary>
    private FrontendValidation Compile(Gateway gateway, int port, FrontendTLSValidation validation)
    {
        var gwNs = gateway.Metadata.NamespaceProperty ?? "default";
        var bundle = new StringBuilder();
        var problems = new List<(string Reason, string Message)>();
        foreach (var r in validation.CaCertificateRefs ?? [])
        {
            var group = r.Group ?? "";
            if (group != "" || r.Kind is not ("ConfigMap" or "Secret"))
            {
                problems.Add(("InvalidCACertificateKind", $"caCertificateRef {(group == "" ? "" : group + "/")}{r.Kind} {r.Name}: only ConfigMaps and Secrets (key ca.crt) are supported"));
                continue;
            }
            var ns = r.Namespace ?? gwNs;
            if (ns != gwNs && !Granted(GatewayApi.Group, "Gateway", gwNs, "", r.Kind, ns, r.Name))
            {
                problems.Add(("RefNotPermitted", $"caCertificateRef {r.Kind} {ns}/{r.Name}: no ReferenceGrant in {ns} allows Gateways from {gwNs}"));
                continue;
            }
            var (pem, error) = (_caBundles ??= new CaBundles(inputs)).Read(ns, r.Name, secret: r.Kind == "Secret");
            if (pem is null) problems.Add(("InvalidCACertificateRef", error!));
            else bundle.Append(pem).Append('\n');
        }
        var insecure = validation.Mode == GatewayApi.FrontendValidationModes.AllowInsecureFallback;
        var compiled = bundle.Length == 0 ? null : ClientCertificateValidation.Create($"gateway {Key(gateway.Metadata)} port {port}", bundle.ToString(), insecure);
        return new FrontendValidation(compiled, true, problems);
    }

    /// <summary>
    /// Gateway API: InsecureFrontendValidationMode=True/ConfigurationChanged while the default or a perPort
    /// validation allows insecure fallback; absent otherwise.
    /// </summary>
    private void AddFrontendConditions(Gateway gateway, GatewayStatus status)
    {
        var frontend = gateway.Spec.Tls?.Frontend;
        var configs = (frontend?.PerPort ?? []).Select(p => p?.Tls).Prepend(frontend?.Default);
        var insecure = configs.Where(c => c?.Validation?.Mode == GatewayApi.FrontendValidationModes.AllowInsecureFallback).ToList();
        if (insecure.Count == 0) return;
        var where = insecure.Contains(frontend?.Default) ? "the default" : "a perPort entry";
        status.Conditions!.Add(Conditions.Make("InsecureFrontendValidationMode", true, "ConfigurationChanged",
            $"{where} of spec.tls.frontend is AllowInsecureFallback: clients without a valid certificate are let through", gateway.Metadata.Generation, gateway.Status?.Conditions, now));
    }
}
