package report

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSinkRingAndQuery(t *testing.T) {
	s := New(3)
	for i := 1; i <= 5; i++ {
		s.Add([]Record{{Code: 200 + i, Service: "reviews", Source: "productpage-v1.bookinfo"}})
	}
	got := s.Records(Query{})
	if len(got) != 3 || got[0].Code != 205 || got[2].Code != 203 {
		t.Fatalf("newest first of the last 3: %+v", got)
	}
	if got := s.Records(Query{MinCode: 204}); len(got) != 2 {
		t.Errorf("minCode: %+v", got)
	}
	if got := s.Records(Query{Service: "ratings"}); len(got) != 0 {
		t.Errorf("service filter: %+v", got)
	}
	if st := s.Stats(); st.Received != 5 || st.Stored != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestSinkHTTP(t *testing.T) {
	s := New(10)
	srv := httptest.NewServer(s)
	defer srv.Close()
	batch := `[{"time":"2026-11-25T10:00:00Z","reporter":"destination","source":"a.ns","destination":"b.ns","code":403,"path":"/api"}]`
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(batch))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("post: %v %v", resp, err)
	}
	resp, _ = http.Post(srv.URL, "application/json", strings.NewReader(`{"not":"an array"}`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad batch: %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "?minCode=400")
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	json.NewDecoder(resp.Body).Decode(&recs)
	if len(recs) != 1 || recs[0].Code != 403 || !recs[0].Time.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("query: %+v", recs)
	}
	if st := s.Stats(); st.Rejected != 1 {
		t.Errorf("rejected %d", st.Rejected)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL, nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("delete: %d", resp.StatusCode)
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`[{"code":200}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := DecodeBatch(b)
		if err == nil {
			New(2).Add(recs)
		}
	})
}

// TestRecordTime: a record's time is RFC 3339 text (older filters) or
// integer Unix nanoseconds (the filter now); queries answer text either way.
func TestRecordTime(t *testing.T) {
	want := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	recs, err := DecodeBatch([]byte(`[{"time":"2026-11-25T10:00:00.123456789Z","code":200},{"time":1795600800123456789,"code":201,"path":"/x"},{"code":202}]`))
	if err != nil || len(recs) != 3 {
		t.Fatalf("%+v %v", recs, err)
	}
	if !recs[0].Time.Equal(want) || !recs[1].Time.Equal(want) || recs[1].Time.Location() != time.UTC || !recs[2].Time.IsZero() {
		t.Errorf("times %v, %v, %v; want %v twice and zero", recs[0].Time, recs[1].Time, recs[2].Time, want)
	}
	if recs[1].Code != 201 || recs[1].Path != "/x" {
		t.Errorf("other fields lost: %+v", recs[1])
	}
	out, _ := json.Marshal(recs[1])
	if !strings.HasPrefix(string(out), `{"time":"2026-11-25T10:00:00.123456789Z",`) {
		t.Errorf("query answer %s", out)
	}
	for _, bad := range []string{`[{"time":1.5}]`, `[{"time":true}]`, `[{"time":"yesterday"}]`, `[{"code":"200"}]`} {
		if _, err := DecodeBatch([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
