package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/server"
)

// IdempotencyHeader names the header that makes a write safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyTTL is how long a key is remembered; the server's purge job
// removes older ones.
const IdempotencyTTL = 24 * time.Hour

// idemField is the vault field the stored answers are sealed under.
const idemField = "idempotency.response"

// idempotent makes h answer a repeated request (same caller, same key,
// same method, path and body) with the first answer, without running it
// again. Only successful answers are kept: a request that failed changed
// nothing, so its retry runs again.
func (x *API) idempotent(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(IdempotencyHeader)
		if key == "" {
			h(w, r)
			return
		}
		if !validIdemKey(key) {
			x.fail(w, r, linli.Invalid("request.idempotency_key_invalid", IdempotencyHeader,
				"the Idempotency-Key must be 1–255 visible ASCII characters"))
			return
		}
		a := server.Actor(r)
		actor := "staff:" + strconv.FormatInt(a.StaffID, 10)
		if a.APIKeyID != 0 {
			actor = "key:" + strconv.FormatInt(a.APIKeyID, 10)
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, x.limit+1))
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				x.fail(w, r, linli.Errorf(linli.KindTooLarge, "request.too_large", "the body is larger than %d bytes", x.limit))
				return
			}
			x.fail(w, r, linli.Errorf(linli.KindInvalid, "request.malformed_json", "the body could not be read"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if int64(len(body)) > x.limit {
			h(w, r) // refused for its size; nothing to remember
			return
		}
		sum := sha256.New()
		for _, s := range []string{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")} {
			sum.Write([]byte(s))
			sum.Write([]byte{0})
		}
		sum.Write(body)
		hash := sum.Sum(nil)
		request := r.Method + " " + r.URL.Path

		ctx := context.WithoutCancel(r.Context())
		rec, err := x.idem.Claim(ctx, actor, key, request, hash, x.app.Now(), IdempotencyTTL)
		if err != nil {
			x.fail(w, r, err)
			return
		}
		if rec != nil {
			switch {
			case rec.Request != request || !bytes.Equal(rec.Hash, hash):
				x.fail(w, r, linli.Errorf(linli.KindConflict, "request.idempotency_conflict",
					"this Idempotency-Key was used for a different request"))
			case rec.Status == 0:
				x.fail(w, r, linli.Errorf(linli.KindConflict, "request.idempotency_in_progress",
					"a request with this Idempotency-Key is still being processed; retry shortly"))
			default:
				x.replay(w, r, rec.Status, rec.ContentType, rec.Response)
			}
			return
		}

		rw := &recorder{ResponseWriter: w}
		done := false
		defer func() {
			if !done { // a panic: let the retry run again
				if err := x.idem.Release(ctx, actor, key); err != nil {
					slog.Error("api: release idempotency key", "err", err)
				}
			}
		}()
		h(rw, r)
		done = true
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		if rw.status < 200 || rw.status > 299 {
			if err := x.idem.Release(ctx, actor, key); err != nil {
				slog.Error("api: release idempotency key", "err", err)
			}
			return
		}
		sealed := x.app.Vault.Seal(idemField, rw.body.String())
		if err := x.idem.Finish(ctx, actor, key, rw.status, rw.Header().Get("Content-Type"), sealed); err != nil {
			slog.Error("api: record idempotent answer", "err", err)
		}
	}
}

func (x *API) replay(w http.ResponseWriter, r *http.Request, status int, contentType string, sealed []byte) {
	body, err := x.app.Vault.Open(idemField, sealed)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func validIdemKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recorder) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
