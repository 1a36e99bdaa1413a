package modules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func module(body string) []byte { return append(append([]byte(nil), wasmMagic...), body...) }

func digest(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func newServer(t *testing.T, dir string, max int64) (*Store, *httptest.Server) {
	t.Helper()
	s, err := Open(dir, max)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, s.Handler(slog.New(slog.DiscardHandler)))
	mux.Handle("/modules", s.Handler(slog.New(slog.DiscardHandler)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

func do(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestUploadServePersist(t *testing.T) {
	dir := t.TempDir()
	_, srv := newServer(t, dir, 1024)
	mod := module("filter code")
	code, body := do(t, http.MethodPost, srv.URL+"/modules", mod)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	var got struct{ SHA256 string }
	if err := json.Unmarshal(body, &got); err != nil || got.SHA256 != digest(mod) {
		t.Fatalf("POST answered %s, want sha256 %s", body, digest(mod))
	}
	code, body = do(t, http.MethodGet, srv.URL+"/modules/"+digest(mod), nil)
	if code != http.StatusOK || !bytes.Equal(body, mod) {
		t.Fatalf("GET: %d, %d bytes (want the uploaded %d)", code, len(body), len(mod))
	}
	// a new store on the same directory still has it
	_, srv2 := newServer(t, dir, 1024)
	if code, body = do(t, http.MethodGet, srv2.URL+"/modules/"+digest(mod), nil); code != http.StatusOK || !bytes.Equal(body, mod) {
		t.Fatalf("after reopen GET: %d", code)
	}
	if code, body = do(t, http.MethodGet, srv2.URL+"/modules/", nil); code != http.StatusOK || !bytes.Contains(body, []byte(digest(mod))) {
		t.Fatalf("list: %d %s", code, body)
	}
}

func TestUploadErrors(t *testing.T) {
	_, srv := newServer(t, t.TempDir(), 64)
	mod := module("x")
	other := digest(module("y"))
	cases := []struct {
		name, method, path string
		body               []byte
		want               int
	}{
		{"not wasm", http.MethodPost, "/modules", []byte("#!/bin/sh\necho hi"), http.StatusBadRequest},
		{"empty", http.MethodPost, "/modules", nil, http.StatusBadRequest},
		{"too large", http.MethodPost, "/modules", module(string(make([]byte, 100))), http.StatusRequestEntityTooLarge},
		{"digest mismatch", http.MethodPut, "/modules/" + other, mod, http.StatusBadRequest},
		{"digest ok", http.MethodPut, "/modules/" + digest(mod), mod, http.StatusCreated},
		{"bad digest", http.MethodGet, "/modules/..%2F..%2Fetc%2Fpasswd", nil, http.StatusBadRequest},
		{"unknown", http.MethodGet, "/modules/" + other, nil, http.StatusNotFound},
		{"method", http.MethodDelete, "/modules/" + other, nil, http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, body := do(t, c.method, srv.URL+c.path, c.body); code != c.want {
				t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, body, c.want)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	d := digest(module(""))
	for in, ok := range map[string]bool{d: true, "sha256:" + d: true, "ABC": false, d[:63] + "g": false, "": false} {
		_, err := ParseDigest(in)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrBadDigest)) {
			t.Errorf("ParseDigest(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func FuzzPut(f *testing.F) {
	f.Add(module("abc"), "")
	f.Add([]byte("\x00asm"), "")
	f.Add(module(""), digest(module("")))
	s, err := Open(f.TempDir(), 4096)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte, want string) {
		sum, err := s.Put(bytes.NewReader(b), want)
		if err != nil {
			return
		}
		if sum != digest(b) || !bytes.HasPrefix(b, wasmMagic) || len(b) > 4096 {
			t.Fatalf("accepted %d bytes as %s", len(b), sum)
		}
		fh, err := s.Get(sum)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(fh)
		fh.Close()
		if !bytes.Equal(got, b) {
			t.Fatal("stored bytes differ")
		}
	})
}

func FuzzParseDigest(f *testing.F) {
	f.Add("sha256:" + digest(nil))
	f.Add("../x")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)
		if err != nil {
			return
		}
		if len(d) != 64 || d != string(bytes.ToLower([]byte(d))) {
			t.Fatalf("ParseDigest(%q) = %q", s, d)
		}
	})
}
