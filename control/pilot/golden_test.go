package pilot

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/registry"
)

var update = flag.Bool("update", false, "rewrite testdata/*.out.yaml")

// testCase is the first document of a testdata/*.in.yaml file; the other
// documents are configs.
type testCase struct {
	Kind     string            `json:"kind"`
	Proxy    testProxy         `json:"proxy"`
	Mesh     MeshConfig        `json:"mesh"`
	Services []testService     `json:"services"`
	Modules  map[string]string `json:"modules"`
	Creds    []string          `json:"credentials"`
	Policies map[string]struct {
		SHA256 string         `json:"sha256"`
		Fields map[string]any `json:"fields"`
		Data   map[string]any `json:"data"`
	} `json:"policies"`
}

type testProxy struct {
	ID       string         `json:"id"`
	Metadata map[string]any `json:"metadata"`
}

type testService struct {
	Hostname     string          `json:"hostname"`
	Namespace    string          `json:"namespace"`
	Ports        []registry.Port `json:"ports"`
	Resolution   api.Resolution  `json:"resolution"`
	MeshExternal bool            `json:"meshExternal"`
	ExportTo     []string        `json:"exportTo"`
	Endpoints    []testEndpoint  `json:"endpoints"`
}

type testEndpoint struct {
	Address        string            `json:"address"`
	Port           uint32            `json:"port"`
	ServicePort    uint32            `json:"servicePort"`
	Labels         map[string]string `json:"labels"`
	ServiceAccount string            `json:"serviceAccount"`
	Locality       string            `json:"locality"`
	Weight         uint32            `json:"weight"`
}

// loadCase reads a golden input into an index and a node.
func loadCase(t testing.TB, file string) (*Index, Node) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(data), "\n---\n")
	var tc testCase
	if err := yaml.UnmarshalStrict([]byte(head), &tc); err != nil {
		t.Fatalf("%s: test header: %v", file, err)
	}
	if tc.Kind != "PilotTest" {
		t.Fatalf("%s: first document must be kind PilotTest", file)
	}
	cfgs, err := config.DecodeFile(filepath.Base(file), []byte(rest))
	if err != nil {
		t.Fatalf("%s: configs: %v", file, err)
	}
	in := Inputs{Configs: cfgs, Mesh: tc.Mesh, Modules: tc.Modules, Endpoints: map[EndpointKey][]registry.Endpoint{}}
	for _, s := range tc.Services {
		in.Services = append(in.Services, registry.Service{Hostname: s.Hostname, Namespace: s.Namespace, Ports: s.Ports,
			Resolution: s.Resolution, MeshExternal: s.MeshExternal, ExportTo: s.ExportTo})
		for _, e := range s.Endpoints {
			sp := e.ServicePort
			if sp == 0 {
				sp = s.Ports[0].Number
			}
			k := EndpointKey{s.Hostname, sp}
			in.Endpoints[k] = append(in.Endpoints[k], registry.Endpoint{Address: e.Address, Port: e.Port, Labels: e.Labels,
				ServiceAccount: e.ServiceAccount, Namespace: s.Namespace, Locality: e.Locality, Weight: e.Weight})
		}
	}
	for k, p := range tc.Policies {
		if in.Policies == nil {
			in.Policies = map[string]CompiledPolicy{}
		}
		cp := CompiledPolicy{SHA256: p.SHA256}
		if p.Fields != nil {
			cp.Fields, _ = json.Marshal(p.Fields)
		}
		if p.Data != nil {
			cp.Data, _ = json.Marshal(p.Data)
		}
		in.Policies[k] = cp
	}
	// the runner compiles Rego with OPA; here the digest of the text stands in
	in.CompileRego = func(rego string) (CompiledPolicy, error) {
		return CompiledPolicy{SHA256: digestOf(rego), Fields: json.RawMessage(`{"paths":[["request","method"]]}`)}, nil
	}
	for _, c := range tc.Creds {
		cert, key := selfSigned(t, c)
		in.Credentials = map[string]Credential{c: {CertPEM: cert, KeyPEM: key, CAPEM: cert}}
	}
	md, err := structpb.NewStruct(tc.Proxy.Metadata)
	if err != nil {
		t.Fatalf("%s: proxy metadata: %v", file, err)
	}
	n, err := ParseNode(&corev3.Node{Id: tc.Proxy.ID, Metadata: md})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return NewIndex(in), n
}

// render turns resources and warnings into stable YAML.
func render(t testing.TB, ir *IR, res *Resources) []byte {
	t.Helper()
	doc := map[string]any{}
	add := func(key string, msgs []proto.Message) {
		var list []any
		for _, m := range msgs {
			b, err := protojson.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			list = append(list, redactPEM(v))
		}
		if len(list) > 0 {
			doc[key] = list
		}
	}
	add("listeners", msgs(res.Listeners))
	add("routes", msgs(res.Routes))
	add("clusters", msgs(res.Clusters))
	add("endpoints", msgs(res.Endpoints))
	add("extensions", msgs(res.Extensions))
	add("secrets", msgs(res.Secrets))
	if len(ir.Warnings) > 0 {
		doc["warnings"] = ir.Warnings
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func msgs[T proto.Message](in []T) []proto.Message {
	out := make([]proto.Message, len(in))
	for i, m := range in {
		out[i] = m
	}
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.in.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			ix, n := loadCase(t, in)
			ir, res, err := Generate(ix, n)
			if err != nil {
				t.Fatalf("emitted resources fail validation: %v", err)
			}
			got := render(t, ir, res)
			outFile := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(outFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(outFile)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (-want +got):\n%s", outFile, cmp.Diff(string(want), string(got)))
			}
		})
	}
}

// selfSigned returns a deterministic-enough PEM certificate and key for a
// credential (only its presence is in the golden output).
func selfSigned(t testing.TB, name string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
}

// redactPEM replaces generated PEM blocks with their type.
func redactPEM(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = redactPEM(e)
		}
	case []any:
		for i, e := range x {
			x[i] = redactPEM(e)
		}
	case string:
		if b, _ := pem.Decode([]byte(x)); b != nil {
			return "<PEM " + b.Type + ">"
		}
	}
	return v
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
