using System.Text;
using Envoy.Config.Core.V3;
using Envoy.Service.Auth.V3;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Forwarding;
using AppendAction = Envoy.Config.Core.V3.HeaderValueOption.Types.HeaderAppendAction;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// What a CheckResponse (Envoy's ext_authz gRPC API) does. Status code 0 allows: ok_response's headers are set on
/// the request to the backend, then its headers_to_remove removed, and its response_headers_to_add go on the client's
/// answer. Any other code refuses: with denied_response (or none) the service denied, and denied_response's status
/// (403 when absent or 0), headers and body go to the client; with error_response (newer Envoy) the service failed,
/// and error_response's status (502, the proxy's status for an answer that is no verdict, when absent or 0), headers
/// and body go to the client.
/// <para>
/// A HeaderValueOption with <c>append</c> set appends (true) or replaces (false); without it, <c>append_action</c>
/// says, and its default (0, which proto3 can not tell from absent) replaces, as the messages document ("append
/// defaults to false") and as an authorization answer must: a client's own copy of a header the service sets never
/// survives beside it. Headers that frame the request or name its host (<see cref="ExternalAuthFilter.NotCopyable"/>)
/// and pseudo-headers are never changed.
/// </para>
/// </summary>
internal static class GrpcAuthAnswer
{
    /// <summary>Whether a refusing answer reports the service's failure (error_response) rather than a denial.</summary>
    public static bool IsError(CheckResponse answer) => answer.HttpResponseCase == CheckResponse.HttpResponseOneofCase.ErrorResponse;

    /// <summary>The HTTP status of a refusal: error_response's or denied_response's, else 502 for an error, 403 for a denial.</summary>
    public static int RefusedStatus(CheckResponse answer) => Refusal(answer)?.Status?.Code is { } code && code != 0 ? (int)code
        : IsError(answer) ? StatusCodes.Status502BadGateway : StatusCodes.Status403Forbidden;

    /// <summary>What a refusing answer sends the client: its error_response or denied_response, or nothing.</summary>
    private static DeniedHttpResponse? Refusal(CheckResponse answer) => IsError(answer) ? answer.ErrorResponse : answer.DeniedResponse;

    /// <summary>Why the answer can not be applied (a header no HTTP message may carry, an unknown append action, a status no answer has); null when it can.</summary>
    public static string? Invalid(CheckResponse answer, bool allowed)
    {
        if (allowed)
        {
            if (answer.OkResponse is not { } ok) return null;
            foreach (var name in ok.HeadersToRemove)
            {
                if (!name.StartsWith(':') && !IsToken(name)) return $"headers_to_remove names '{name}', which is no header name";
            }
            return Invalid(ok.Headers, "ok_response.headers") ?? Invalid(ok.ResponseHeadersToAdd, "ok_response.response_headers_to_add");
        }
        var field = IsError(answer) ? "error_response" : "denied_response";
        var status = RefusedStatus(answer);
        if (status is < 200 or > 599) return $"{field}.status {status} is no final HTTP status";
        return Refusal(answer) is { } refusal ? Invalid(refusal.Headers, $"{field}.headers") : null;
    }

    private static string? Invalid(IEnumerable<HeaderValueOption> options, string field)
    {
        foreach (var option in options)
        {
            if (option.Header is { Key: [':', ..] }) continue; // a pseudo-header: never changed (see Apply)
            if (option.Header is not { } header || !IsToken(header.Key)) return $"{field} has '{option.Header?.Key}', which is no header name";
            if (!IsFieldValue(header.Value)) return $"{field}: {header.Key} has a value no header may have (a control character)";
            if (option.AppendAction is < AppendAction.AppendIfExistsOrAdd or > AppendAction.OverwriteIfExists) return $"{field}: {header.Key} has append_action {(int)option.AppendAction}, which is not known";
        }
        return null;
    }

    /// <summary>Changes the request to the backend, and registers the additions to the client's answer.</summary>
    public static void ApplyAllowed(HttpContext context, CheckResponse answer)
    {
        if (answer.OkResponse is not { } ok) return;
        var headers = context.Request.Headers;
        foreach (var option in ok.Headers) Apply(headers, option);
        foreach (var name in ok.HeadersToRemove)
        {
            if (IsChangeable(name)) headers.Remove(name);
        }
        if (ok.ResponseHeadersToAdd.Count > 0)
        {
            // On whatever answer the client gets (the backend's or the proxy's), last, as Envoy adds them on the way out.
            context.Response.OnStarting(static state =>
            {
                var (response, added) = ((HttpResponse, IEnumerable<HeaderValueOption>))state;
                foreach (var option in added) Apply(response.Headers, option);
                return Task.CompletedTask;
            }, (context.Response, (IEnumerable<HeaderValueOption>)ok.ResponseHeadersToAdd));
        }
    }

    /// <summary>The refusal's (denial's or error's) head and body to the client; nothing of the backend's.</summary>
    public static async ValueTask SendRefusalAsync(HttpContext context, CheckResponse answer, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers.Clear();
        response.StatusCode = RefusedStatus(answer);
        var refusal = Refusal(answer);
        var body = refusal?.Body is { Length: > 0 } text ? Encoding.UTF8.GetBytes(text) : [];
        if (body.Length > 0) response.ContentType = "text/plain"; // as Envoy's local reply; the service's own Content-Type replaces it
        if (refusal is not null)
        {
            foreach (var option in refusal.Headers) Apply(response.Headers, option);
        }
        response.ContentLength = body.Length;
        if (body.Length > 0 && !HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private static void Apply(IHeaderDictionary headers, HeaderValueOption option)
    {
        var name = option.Header.Key;
        if (!IsChangeable(name)) return;
        var value = ToField(option.Header.Value);
        var action = option.Append switch
        {
            true => AppendAction.AppendIfExistsOrAdd,
            false => AppendAction.OverwriteIfExistsOrAdd,
            null when option.AppendAction == AppendAction.AppendIfExistsOrAdd => AppendAction.OverwriteIfExistsOrAdd, // the default: see the class
            null => option.AppendAction,
        };
        switch (action)
        {
            case AppendAction.AppendIfExistsOrAdd:
                headers.Append(name, value);
                break;
            case AppendAction.AddIfAbsent:
                if (!headers.ContainsKey(name)) headers[name] = value;
                break;
            case AppendAction.OverwriteIfExists:
                if (headers.ContainsKey(name)) headers[name] = value;
                break;
            default:
                headers[name] = value;
                break;
        }
    }

    /// <summary>Neither a pseudo-header nor one that frames the message or names its host.</summary>
    private static bool IsChangeable(string name) =>
        !name.StartsWith(':') && !HopByHop.Is(name) && !ExternalAuthFilter.NotCopyable.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A header value as the proxy's messages carry it: one char per octet (Latin-1), so a UTF-8 value from the
    /// service (protobuf strings are UTF-8) goes out as its UTF-8 bytes.
    /// </summary>
    private static string ToField(string value) => Ascii.IsValid(value) ? value : Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value));

    private static bool IsToken(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
        {
            if (c > 0x7E || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c)) return false;
        }
        return true;
    }

    /// <summary>No control character but horizontal tab (no CR, LF or NUL to split a message with).</summary>
    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
        }
        return true;
    }
}
