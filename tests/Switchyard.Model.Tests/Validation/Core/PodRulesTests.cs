using k8s.Models;
using static Switchyard.Model.Tests.Validation.Core.CoreRulesTestKit;

namespace Switchyard.Model.Tests.Validation.Core;

public sealed class PodRulesTests
{
    private const string Head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n";

    [Fact]
    public void Default_MinimalPod_KubernetesDefaults()
    {
        var pod = Object<V1Pod>(Head + "spec:\n  containers:\n  - name: c\n    image: busybox\n    ports: [{containerPort: 80}]\n    livenessProbe: {tcpSocket: {port: 80}}\nstatus:\n  podIP: 10.0.0.5\n");
        Assert.Equal("Always", pod.Spec.RestartPolicy);
        Assert.Equal(30, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("ClusterFirst", pod.Spec.DnsPolicy);
        var c = pod.Spec.Containers[0];
        Assert.Equal("Always", c.ImagePullPolicy);
        Assert.Equal("TCP", c.Ports[0].Protocol);
        Assert.Equal((10, 1, 1, 3), (c.LivenessProbe.PeriodSeconds, c.LivenessProbe.TimeoutSeconds, c.LivenessProbe.SuccessThreshold, c.LivenessProbe.FailureThreshold));
        Assert.Equal("10.0.0.5", Assert.Single(pod.Status.PodIPs).Ip);
    }

    [Fact]
    public void Default_TaggedImage_IfNotPresent()
    {
        Assert.Equal("IfNotPresent", Object<V1Pod>(Head + "spec:\n  containers: [{name: c, image: 'nginx:1.27'}]\n").Spec.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void Validate_NoContainers_Required()
    {
        Assert.Equal(["spec.containers: Required value"], Errors(Head + "spec:\n  containers: []\n"));
    }

    [Fact]
    public void Validate_ManyProblems_AllReportedAtOnce()
    {
        var errors = Errors(Head + """
            spec:
              restartPolicy: Sometimes
              initContainers:
              - name: Init
                image: busybox
              containers:
              - name: web
                ports:
                - {name: http, containerPort: 0}
                - {name: http, containerPort: 8080, protocol: HTTP}
                env:
                - {name: 1BAD, value: x}
                - name: FROM
                  valueFrom: {}
                readinessProbe:
                  httpGet: {port: metrics}
                  exec: {command: [check]}
                livenessProbe:
                  tcpSocket: {port: 70000}
                  successThreshold: 2
              - name: web
                image: busybox
            """);
        Assert.Equal(
        [
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            "spec.initContainers[0].name: Invalid value: \"Init\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')",
            "spec.containers[0].image: Required value",
            "spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[1].name: Duplicate value: \"http\"",
            "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
            "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name', or 'MY_ENV.NAME', or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
            "spec.containers[0].env[1].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`",
            "spec.containers[0].readinessProbe: Forbidden: may not specify more than 1 handler type",
            "spec.containers[0].readinessProbe.httpGet.port: Invalid value: \"metrics\": must be the name of a port of this container",
            "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            "spec.containers[1].name: Duplicate value: \"web\"",
        ], errors);
    }

    [Fact]
    public void Validate_ProbeWithoutHandler_Required()
    {
        Assert.Equal(["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
            Errors(Head + "spec:\n  containers:\n  - name: c\n    image: i\n    readinessProbe: {periodSeconds: 5}\n"));
    }

    [Fact]
    public void Validate_NegativeProbeTiming_Rejected()
    {
        Assert.Equal(
        [
            "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
            "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -5: must be greater than 0",
        ], Errors(Head + "spec:\n  containers:\n  - name: c\n    image: i\n    readinessProbe: {exec: {command: [x]}, initialDelaySeconds: -1, periodSeconds: -5}\n"));
    }

    [Fact]
    public void Validate_PodIPsInconsistent_Errors()
    {
        Assert.Equal(
        [
            "status.podIPs[1].ip: Invalid value: \"10.0.0.9\": may specify no more than one IP for each IP family",
            "status.podIPs[0].ip: Invalid value: \"10.0.0.2\": must match status.podIP \"10.0.0.1\"",
        ], Errors(Head + "spec:\n  containers: [{name: c, image: i}]\nstatus:\n  podIP: 10.0.0.1\n  podIPs: [{ip: 10.0.0.2}, {ip: 10.0.0.9}]\n"));
    }

    [Fact]
    public void Validate_BadPodIP_Invalid()
    {
        Assert.Equal(["status.podIP: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"],
            Errors(Head + "spec:\n  containers: [{name: c, image: i}]\nstatus:\n  podIP: 10.0.0.300\n  podIPs: [{ip: 10.0.0.300}]\n").Take(1));
    }

    [Fact]
    public void Validate_EnvValueAndValueFrom_Both_Invalid()
    {
        Assert.Equal(["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"],
            Errors(Head + "spec:\n  containers:\n  - name: c\n    image: i\n    env:\n    - name: A\n      value: x\n      valueFrom: {fieldRef: {fieldPath: metadata.name}}\n"));
    }
}
