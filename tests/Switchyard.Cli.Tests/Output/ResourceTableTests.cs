using System.Globalization;
using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Tests.Output;

public class ResourceTableTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2025-03-01T12:00:00Z", CultureInfo.InvariantCulture);

    private static JsonNode Obj(string json) => JsonNode.Parse(json.Replace('\'', '"'))!;

    private static string Render(ResourceKind kind, TableOptions options, params string[] objects) =>
        ResourceTable.Build(kind, objects.Select(Obj), options, Now).Render();

    private const string Meta = "'metadata':{'name':'web','namespace':'shop','creationTimestamp':'2025-03-01T11:55:00Z'}";

    [Fact]
    public void Build_Pods_ShowsReadyStatusRestartsAge()
    {
        var pod = "{" + Meta + ",'spec':{'containers':[{'name':'a'},{'name':'b'}],'nodeName':'local'}," +
                  "'status':{'phase':'Running','podIP':'127.64.0.5','containerStatuses':[{'name':'a','ready':true,'restartCount':2},{'name':'b','ready':false,'restartCount':1}]}}";
        Assert.Equal(
            "NAME   READY   STATUS    RESTARTS   AGE\n" +
            "web    1/2     Running   3          5m\n",
            Render(ResourceKinds.Pod, new TableOptions(), pod));
        Assert.Equal(
            "NAME   READY   STATUS    RESTARTS   AGE   IP           NODE\n" +
            "web    1/2     Running   3          5m    127.64.0.5   local\n",
            Render(ResourceKinds.Pod, new TableOptions(Wide: true), pod));
    }

    [Fact]
    public void Build_PodWithWaitingContainer_ShowsWaitingReason()
    {
        var pod = "{" + Meta + ",'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Pending','containerStatuses':[{'name':'a','ready':false,'restartCount':0,'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}";
        Assert.Equal(
            "NAME   READY   STATUS             RESTARTS   AGE\n" +
            "web    0/1     CrashLoopBackOff   0          5m\n",
            Render(ResourceKinds.Pod, new TableOptions(), pod));
    }

    [Fact]
    public void Build_Services_ShowsTypeClusterIpPortsAndSelectorWhenWide()
    {
        var svc = "{" + Meta + ",'spec':{'type':'ClusterIP','clusterIP':'127.96.0.10','selector':{'app':'web','tier':'front'}," +
                  "'ports':[{'port':80,'protocol':'TCP','targetPort':8080},{'port':53,'protocol':'UDP'}]}}";
        var headless = "{'metadata':{'name':'db','namespace':'shop','creationTimestamp':'2025-03-01T09:00:00Z'},'spec':{'clusterIP':'None','ports':[{'port':5432,'protocol':'TCP'}]}}";
        var nodePort = "{'metadata':{'name':'np','namespace':'shop','creationTimestamp':'2025-02-25T12:00:00Z'},'spec':{'type':'NodePort','clusterIP':'127.96.0.11','ports':[{'port':443,'nodePort':30443,'protocol':'TCP'}]}}";
        Assert.Equal(
            "NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)         AGE\n" +
            "web    ClusterIP   127.96.0.10   <none>        80/TCP,53/UDP   5m\n" +
            "db     ClusterIP   None          <none>        5432/TCP        3h\n" +
            "np     NodePort    127.96.0.11   <none>        443:30443/TCP   4d\n",
            Render(ResourceKinds.Service, new TableOptions(), svc, headless, nodePort));
        Assert.Equal(
            "NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)         AGE   SELECTOR\n" +
            "web    ClusterIP   127.96.0.10   <none>        80/TCP,53/UDP   5m    app=web,tier=front\n",
            Render(ResourceKinds.Service, new TableOptions(Wide: true), svc));
    }

    [Fact]
    public void Build_LoadBalancerWithoutAddress_ShowsPending()
    {
        var svc = "{" + Meta + ",'spec':{'type':'LoadBalancer','clusterIP':'127.96.0.12','ports':[{'port':80,'protocol':'TCP'}]}}";
        Assert.Contains("LoadBalancer   127.96.0.12   <pending>     80/TCP", Render(ResourceKinds.Service, new TableOptions(), svc), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WithNamespace_PutsNamespaceColumnFirst()
    {
        var cm = "{" + Meta + ",'data':{'a':'1','b':'2'}}";
        Assert.Equal(
            "NAMESPACE   NAME   DATA   AGE\n" +
            "shop        web    2      5m\n",
            Render(ResourceKinds.ConfigMap, new TableOptions(WithNamespace: true), cm));
    }

    [Fact]
    public void Build_EndpointSlices_ShowsFirstThreeEndpointsAndHowManyMore()
    {
        var slice = "{" + Meta + ",'addressType':'IPv4','ports':[{'name':'http','port':8080,'protocol':'TCP'}],'endpoints':[" +
                    "{'addresses':['127.64.0.1']},{'addresses':['127.64.0.2']},{'addresses':['127.64.0.3']},{'addresses':['127.64.0.4']},{'addresses':['127.64.0.5']}]}";
        var empty = "{'metadata':{'name':'empty','namespace':'shop','creationTimestamp':'2025-03-01T11:55:00Z'},'addressType':'IPv6','endpoints':[]}";
        Assert.Equal(
            "NAME    ADDRESSTYPE   PORTS     ENDPOINTS                                      AGE\n" +
            "web     IPv4          8080      127.64.0.1,127.64.0.2,127.64.0.3 + 2 more...   5m\n" +
            "empty   IPv6          <unset>   <none>                                         5m\n",
            Render(ResourceKinds.EndpointSlice, new TableOptions(), slice, empty));
    }

    [Fact]
    public void Build_Deployments_ShowsReadyOverDesired()
    {
        var deploy = "{" + Meta + ",'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},'template':{'spec':{'containers':[{'name':'web','image':'nginx:1.27'}]}}}," +
                     "'status':{'readyReplicas':2,'updatedReplicas':3,'availableReplicas':2}}";
        Assert.Equal(
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n" +
            "web    2/3     3            2           5m\n",
            Render(ResourceKinds.Deployment, new TableOptions(), deploy));
        Assert.Equal(
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n" +
            "web    2/3     3            2           5m    web          nginx:1.27   app=web\n",
            Render(ResourceKinds.Deployment, new TableOptions(Wide: true), deploy));
    }

    [Fact]
    public void Build_NetworkPolicies_RendersSelectorSyntax()
    {
        var np = "{" + Meta + ",'spec':{'podSelector':{'matchLabels':{'app':'db'},'matchExpressions':[{'key':'tier','operator':'In','values':['a','b']},{'key':'canary','operator':'DoesNotExist'}]}}}";
        var all = "{'metadata':{'name':'deny-all','namespace':'shop','creationTimestamp':'2025-03-01T11:55:00Z'},'spec':{'podSelector':{}}}";
        Assert.Equal(
            "NAME       POD-SELECTOR                   AGE\n" +
            "web        app=db,tier in (a,b),!canary   5m\n" +
            "deny-all   <none>                         5m\n",
            Render(ResourceKinds.NetworkPolicy, new TableOptions(), np, all));
    }

    [Fact]
    public void Build_Ingresses_ShowsClassHostsAndPorts()
    {
        var ing = "{" + Meta + ",'spec':{'ingressClassName':'switchyard','tls':[{'hosts':['shop.example']}],'rules':[{'host':'shop.example'},{'host':'api.example'}]}}";
        Assert.Equal(
            "NAME   CLASS        HOSTS                      ADDRESS   PORTS     AGE\n" +
            "web    switchyard   shop.example,api.example             80, 443   5m\n",
            Render(ResourceKinds.Ingress, new TableOptions(), ing));
    }

    [Fact]
    public void Build_TcpRoutes_ShowParentsAsTheyHaveNoHostnames()
    {
        var route = "{" + Meta + ",'spec':{'parentRefs':[{'name':'edge','sectionName':'postgres'},{'name':'other'}],'rules':[{'backendRefs':[{'name':'db','port':5432}]}]}}";
        Assert.Equal(
            "NAME   PARENTS               AGE\n" +
            "web    edge/postgres,other   5m\n",
            Render(ResourceKinds.TCPRoute, new TableOptions(), route));
    }

    [Fact]
    public void Build_GatewaysAndRoutes_ShowGatewayApiColumns()
    {
        var gw = "{" + Meta + ",'spec':{'gatewayClassName':'switchyard','listeners':[]},'status':{'addresses':[{'value':'127.0.0.10'}],'conditions':[{'type':'Programmed','status':'True'}]}}";
        Assert.Equal(
            "NAME   CLASS        ADDRESS      PROGRAMMED   AGE\n" +
            "web    switchyard   127.0.0.10   True         5m\n",
            Render(ResourceKinds.Gateway, new TableOptions(), gw));
        var route = "{" + Meta + ",'spec':{'hostnames':['shop.example','www.shop.example']}}";
        Assert.Equal(
            "NAME   HOSTNAMES                       AGE\n" +
            "web    shop.example,www.shop.example   5m\n",
            Render(ResourceKinds.HTTPRoute, new TableOptions(), route));
        var grpc = "{" + Meta + ",'spec':{'hostnames':['grpc.shop.example']}}";
        Assert.Equal(
            "NAME   HOSTNAMES           AGE\n" +
            "web    grpc.shop.example   5m\n",
            Render(ResourceKinds.GRPCRoute, new TableOptions(), grpc));
        Assert.Equal(
            "NAME   HOSTNAMES   AGE\n" +
            "web    *           5m\n",
            Render(ResourceKinds.GRPCRoute, new TableOptions(), "{" + Meta + ",'spec':{}}"));
    }

    [Fact]
    public void Build_ListenerSets_ShowParentListenersAndConditions()
    {
        var same = "{" + Meta + ",'spec':{'parentRef':{'name':'edge'},'listeners':[{'name':'http','port':8091,'protocol':'HTTP'},{'name':'https','port':8453,'protocol':'HTTPS'}]}," +
                   "'status':{'conditions':[{'type':'Accepted','status':'True'},{'type':'Programmed','status':'True'}]}}";
        var other = "{'metadata':{'name':'team-b','namespace':'apps','creationTimestamp':'2025-03-01T09:00:00Z'},'spec':{'parentRef':{'name':'edge','namespace':'infra'},'listeners':[{'name':'http','port':9000,'protocol':'HTTP'}]}," +
                    "'status':{'conditions':[{'type':'Accepted','status':'False','reason':'NotAllowed'},{'type':'Programmed','status':'False'}]}}";
        Assert.Equal(
            "NAME     GATEWAY      LISTENERS                         ACCEPTED   PROGRAMMED   AGE\n" +
            "web      edge         http:8091/HTTP,https:8453/HTTPS   True       True         5m\n" +
            "team-b   infra/edge   http:9000/HTTP                    False      False        3h\n",
            Render(ResourceKinds.ListenerSet, new TableOptions(), same, other));
    }

    [Fact]
    public void Build_NamespacesSecretsAndGenericKinds_UseTheirColumns()
    {
        Assert.Equal("NAME   STATUS   AGE\nweb    Active   5m\n", Render(ResourceKinds.Namespace, new TableOptions(), "{" + Meta + "}"));
        Assert.Equal(
            "NAME   TYPE                DATA   AGE\n" +
            "web    kubernetes.io/tls   2      5m\n",
            Render(ResourceKinds.Secret, new TableOptions(), "{" + Meta + ",'type':'kubernetes.io/tls','data':{'tls.crt':'QQ==','tls.key':'QQ=='}}"));
        Assert.Equal("NAME   AGE\nweb    5m\n", Render(ResourceKinds.ReferenceGrant, new TableOptions(), "{" + Meta + "}"));
    }

    [Fact]
    public void Row_QualifiedNames_PrefixesKindAndGroup()
    {
        var row = ResourceTable.Row(ResourceKinds.Deployment, Obj("{" + Meta + "}"), new TableOptions(QualifiedNames: true), Now);
        Assert.Equal("deployment.apps/web", row[0]);
    }
}
