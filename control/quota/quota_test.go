package quota

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTake(t *testing.T) {
	now := time.Unix(1000, 0)
	s, err := New(Limit{Max: 2, PerSecond: 1}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if ok, _ := s.Take("a", 1); !ok {
			t.Fatalf("token %d refused", i)
		}
	}
	if ok, wait := s.Take("a", 1); ok || wait != time.Second {
		t.Fatalf("third: %v %v", ok, wait)
	}
	if ok, _ := s.Take("b", 1); !ok {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(1500 * time.Millisecond)
	if ok, _ := s.Take("a", 1); !ok {
		t.Fatal("no refill")
	}
	now = now.Add(time.Hour)
	s.Take("c", 1)
	if len(s.buckets) != 1 {
		t.Errorf("idle buckets kept: %d", len(s.buckets))
	}
	if _, err := New(Limit{}, nil); err == nil {
		t.Error("zero limit accepted")
	}
}

func TestHTTP(t *testing.T) {
	s, _ := New(Limit{Max: 1, PerSecond: 0.5}, nil)
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(body string) *http.Response {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := post(`{"key":"k"}`); r.StatusCode != 200 {
		t.Fatalf("first: %d", r.StatusCode)
	}
	if r := post(`{"key":"k","amount":1}`); r.StatusCode != 429 || r.Header.Get("retry-after") != "2" {
		t.Fatalf("second: %d %q", r.StatusCode, r.Header.Get("retry-after"))
	}
	if r := post(`{"key":`); r.StatusCode != 400 {
		t.Fatalf("bad json: %d", r.StatusCode)
	}
	if r := post(`{"key":"k","amount":-1}`); r.StatusCode != 400 {
		t.Fatalf("negative: %d", r.StatusCode)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"key":"a","amount":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, amount, err := DecodeRequest(b); err == nil && (amount <= 0 || amount > 1e6) {
			t.Fatalf("amount %v accepted", amount)
		}
	})
}
