package kube_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wasmesh/wasmesh/test/fixture"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
)

// podToken writes a projected service-account token of pod (audience
// istio-ca, bound to the pod) to a file, as the kubelet would mount it.
func podToken(t *testing.T, c *kubetest.Cluster, ns string, pod *corev1.Pod) string {
	t.Helper()
	tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), pod.Spec.ServiceAccountName, &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		Audiences: []string{"istio-ca"}, BoundObjectRef: &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte(tr.Status.Token), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// startSidecar runs meshproxy registering as pod of ns with its token
// (mTLS certificates from the CA at ca, trusting root), until the test
// ends; its log is shown when the test fails.
func startSidecar(t *testing.T, c *kubetest.Cluster, bin, xds, ca, root string, pod *corev1.Pod, labels, ports string) {
	t.Helper()
	name, ns := pod.Name, pod.Namespace
	cmd := exec.Command(bin, "--xds-address", xds, "--ca-address", ca, "--ca-root", root, "--token-file", podToken(t, c, ns, pod),
		"--workload", name, "--namespace", ns, "--service-account", pod.Spec.ServiceAccountName,
		"--labels", labels, "--ports", ports, "--instance-ip", "127.0.0.1", "--interception-mode", "NONE",
		"--admin-port", "0", "--health-port", "0", "--stats-port", "0", "--status-port", "0",
		"--access-log=false", "--drain-time", "1s", "--log-level", "warn", "--wasm-cache-dir", t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	fixture.Start(t, name, cmd)
}

// createWorkloadPod creates a running pod at 127.0.0.1 (no kubelet: the
// status is set here) with labels, service account and container port
// http.
func createWorkloadPod(t *testing.T, c *kubetest.Cluster, ns, name, sa string, port int, labels map[string]string) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	pod, err := c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{ServiceAccountName: sa, Containers: []corev1.Container{{Name: "app", Image: "app:v1",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.1", PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}}}
	if pod, err = c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return pod
}

var sidecarsConfig = fixture.Docs(fixture.PeerAuthentication("", "STRICT"), fixture.ServiceEntry("", "web", "web.mesh", "80", "web"),
	fixture.ClientSidecar("", "client", "client", "EGRESS"), fixture.ServerSidecar("", "web", "web", "WEB_IN", "127.0.0.1:WEB_APP"))

// webVS routes to web and sets a response header with value.
func webVS(value string) string {
	return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web.mesh]
  http:
  - headers:
      response:
        set: {x-config: ` + value + `}
    route:
    - destination: {host: web.mesh}
`
}

// TestSidecarsTrafficSurvivesLeaderKill runs real sidecars against two
// meshd replicas in Kubernetes mode behind a Service-like forwarder: a
// client sidecar reaches a Go backend through the sidecar of Pod web-1
// (status.podIP 127.0.0.1, selected by a ServiceEntry: the API server
// refuses loopback EndpointSlice addresses), config applied with kubectl.
// A few concurrent clients send requests while the leader is SIGKILLed:
// none fails, the other replica leads, and a VirtualService change applied after
// the kill reaches the sidecars. Traffic is mTLS (STRICT) with SVIDs the CA
// issued for the pods' projected service-account tokens (TokenReview).
func TestSidecarsTrafficSurvivesLeaderKill(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	meshdBin, proxyBin := fixture.BuildCommand(t, "meshd"), fixture.BuildCommand(t, "meshproxy")
	meshNS := installMeshWithoutWebhooks(t, c)
	ns := c.Namespace(t, "sidecars", nil)
	for _, sa := range []string{"web", "client"} {
		if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	appPort := fixture.Backend(t, "web-app")
	webIn, egress := fixture.FreePort(t), fixture.FreePort(t)
	webPod := createWorkloadPod(t, c, ns, "web-1", "web", webIn, map[string]string{"app": "web"})
	clientPod := createWorkloadPod(t, c, ns, "client-1", "client", egress, map[string]string{"app": "client"})
	cfg := strings.NewReplacer("EGRESS", strconv.Itoa(egress), "WEB_IN", strconv.Itoa(webIn), "WEB_APP", strconv.Itoa(appPort)).Replace(sidecarsConfig)
	if out, err := c.Kubectl(t, cfg+"---\n"+webVS("before"), "apply", "-n", ns, "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}

	plugin := caPluginDir(t, c, meshNS)
	a := startReplica(t, meshdBin, c, meshNS, plugin, "meshd-a", true)
	b := startReplica(t, meshdBin, c, meshNS, plugin, "meshd-b", true)
	fixture.Eventually(t, "both replicas ready", converge, func() bool { return a.ready() && b.ready() })
	svc, caSvc := startForwarder(t, a.xds, b.xds), startForwarder(t, a.secure, b.secure)
	root := filepath.Join(plugin, "root-cert.pem")
	startSidecar(t, c, proxyBin, svc.Addr(), caSvc.Addr(), root, webPod, "app=web", "http:"+strconv.Itoa(webIn))
	startSidecar(t, c, proxyBin, svc.Addr(), caSvc.Addr(), root, clientPod, "app=client", "http:"+strconv.Itoa(egress))

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(client.CloseIdleConnections)
	url := "http://127.0.0.1:" + strconv.Itoa(egress) + "/"
	// get sends one request through the client sidecar and returns the
	// x-config header of the 200 answer from the backend.
	get := func() (string, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		req.Host = "web.mesh"
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK || string(body) != "web-app" {
			return "", fmt.Errorf("status %d: %q", resp.StatusCode, body)
		}
		return resp.Header.Get("x-config"), nil
	}
	fixture.Eventually(t, "traffic client → client sidecar → web sidecar → backend", converge, func() bool {
		v, err := get()
		return err == nil && v == "before"
	})

	// STRICT: the web sidecar's inbound port takes mTLS only.
	if resp, err := client.Get("http://127.0.0.1:" + strconv.Itoa(webIn) + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("plaintext into web's STRICT inbound answered %d", resp.StatusCode)
	}

	leader, other := waitLeader(t, a, b)

	// Load: a few clients sending requests back to back.
	var sent, failed atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				sent.Add(1)
				if _, err := get(); err != nil {
					if failed.Add(1) == 1 {
						errMu.Lock()
						firstErr = err
						errMu.Unlock()
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	defer func() { stopLoad(); wg.Wait() }()
	time.Sleep(2 * time.Second)
	killed := time.Now()
	if err := leader.proc.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	fixture.Eventually(t, "the other replica to lead", converge, other.leads)
	t.Logf("%s leads %v after %s was killed (lease 6s)", other.name, time.Since(killed).Round(time.Millisecond), leader.name)
	fixture.Eventually(t, "both sidecars on the surviving replica", converge, func() bool { return other.proxies() == 2 })

	// The surviving replica discovered the pods from the API server.
	var reg struct {
		Workloads []struct{ Source, Address string }
	}
	if err := getJSON("http://"+other.monitor+"/debug/registryz", &reg); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(reg.Workloads, func(w struct{ Source, Address string }) bool {
		return w.Source == "Pod "+ns+"/web-1" && w.Address == "127.0.0.1"
	}) {
		t.Fatalf("%s's registry has no workload for Pod %s/web-1: %+v", other.name, ns, reg.Workloads)
	}

	if out, err := c.Kubectl(t, webVS("after"), "apply", "-n", ns, "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	applied := time.Now()
	fixture.Eventually(t, "the VirtualService applied after the kill in the answers", converge, func() bool {
		v, err := get()
		return err == nil && v == "after"
	})
	t.Logf("the change applied after the kill answered %v later", time.Since(applied).Round(time.Millisecond))
	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()
	t.Logf("%d requests under load, %d failed, over %v around the kill", sent.Load(), failed.Load(), time.Since(killed).Round(time.Millisecond)+2*time.Second)
	if failed.Load() != 0 {
		errMu.Lock()
		defer errMu.Unlock()
		t.Fatalf("%d of %d requests failed; first: %v", failed.Load(), sent.Load(), firstErr)
	}
	if sent.Load() < 100 {
		t.Fatalf("only %d requests sent under load", sent.Load())
	}
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
