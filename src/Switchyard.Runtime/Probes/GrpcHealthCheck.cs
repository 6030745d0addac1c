using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Switchyard.Runtime.Probes;

/// <summary>
/// The gRPC health checking protocol (grpc.health.v1.Health/Check) over cleartext HTTP/2, enough for grpc
/// probes: the request carries the service name (protobuf field 1), the answer's status (field 1) must be
/// SERVING (1) and grpc-status 0.
/// </summary>
internal sealed class GrpcHealthCheck(HttpClient http)
{
    public async Task<ProbeOutcome> CheckAsync(string podIp, int port, string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var name = Encoding.UTF8.GetBytes(service);
        var message = new List<byte>();
        if (name.Length > 0)
        {
            message.Add(0x0A);
            var length = (uint)name.Length;
            while (length >= 0x80)
            {
                message.Add((byte)(length | 0x80));
                length >>= 7;
            }
            message.Add((byte)length);
            message.AddRange(name);
        }
        var frame = new byte[5 + message.Count];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Count);
        message.CopyTo(frame, 5);
        var url = $"http://{podIp}:{port}/grpc.health.v1.Health/Check";
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, cts.Token);
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
            var grpcStatus = response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.FirstOrDefault()
                : response.Headers.TryGetValues("grpc-status", out var h) ? h.FirstOrDefault() : null;
            if (grpcStatus is not null && grpcStatus != "0") return ProbeOutcome.Fail($"rpc error: grpc-status {grpcStatus}");
            var status = body.Length >= 7 && body[5] == 0x08 ? body[6] : 0;
            return status == 1 ? ProbeOutcome.Ok("SERVING") : ProbeOutcome.Fail($"service unhealthy (responded with status {status})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"timeout: health rpc did not complete within {timeout.TotalSeconds:0.###}s");
        }
        catch (HttpRequestException e)
        {
            return ProbeOutcome.Fail($"failed to connect service \"{podIp}:{port}\": {e.InnerException?.Message ?? e.Message}");
        }
    }
}
