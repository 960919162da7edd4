package router

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoverAndLog(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/members/lookup", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /api/v1/ok", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("fine")) })
	h := logRequests(recoverer(securityHeaders(apiFallback(mux))))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/members/lookup?phone=13912345678", nil))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("panic answered %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	var p struct{ Code, Detail string }
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != "internal" || strings.Contains(p.Detail, "boom") {
		t.Errorf("problem %+v (%v): want code internal without the panic value", p, err)
	}
	out := logs.String()
	for _, want := range []string{"panic in handler", `route="GET /api/v1/members/lookup"`, "status=500"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "13912345678") {
		t.Errorf("the phone number reached the log:\n%s", out)
	}

	logs.Reset()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/ok", nil))
	if w.Body.String() != "fine" || !strings.Contains(logs.String(), "status=200") {
		t.Errorf("plain request: %q, log %s", w.Body, logs.String())
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("Referrer-Policy") == "" {
		t.Errorf("security headers missing: %v", w.Header())
	}
}

func TestBodyCap(t *testing.T) {
	var read int
	h := bodyCap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 100)
		for {
			n, err := r.Body.Read(b)
			read += n
			if err != nil {
				return
			}
		}
	}), 10)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/x", strings.NewReader(strings.Repeat("a", 50))))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversize body: %d", w.Code)
	}
	r := httptest.NewRequest("POST", "/x", strings.NewReader(strings.Repeat("a", 50)))
	r.ContentLength = -1 // chunked: the length is not known up front
	h.ServeHTTP(httptest.NewRecorder(), r)
	if read > 10 {
		t.Errorf("read %d bytes past a cap of 10", read)
	}
}
