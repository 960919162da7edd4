package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/locale"
)

// Problem is an RFC 9457 problem document with Linli's stable code and,
// for validation failures, the fields at fault.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Code   string             `json:"code"`
	Fields []linli.FieldError `json:"fields,omitempty"`
}

// Status maps an error kind to its HTTP status.
func Status(k linli.Kind) int {
	switch k {
	case linli.KindInvalid:
		return http.StatusUnprocessableEntity
	case linli.KindNotFound:
		return http.StatusNotFound
	case linli.KindConflict:
		return http.StatusConflict
	case linli.KindUnauthorized:
		return http.StatusUnauthorized
	case linli.KindForbidden:
		return http.StatusForbidden
	case linli.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case linli.KindRateLimited:
		return http.StatusTooManyRequests
	case linli.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Localize returns the message for err in lang: the catalog's text for the
// code when there is one, the English message otherwise. Field messages
// are translated the same way.
func Localize(lang string, e *linli.Error) (string, []linli.FieldError) {
	detail := e.Message
	if key := "error." + e.Code; locale.Has(key) {
		detail = locale.T(lang, key)
	}
	var fields []linli.FieldError
	for _, f := range e.Fields {
		if key := "error." + f.Code; locale.Has(key) {
			// A catalog text may name the field with {field}, since
			// the generic sentence cannot know which one it was.
			f.Message = strings.ReplaceAll(locale.T(lang, key), "{field}", f.Field)
		}
		fields = append(fields, f)
	}
	if len(e.Fields) == 1 {
		detail = fields[0].Message
	}
	return detail, fields
}

// codeStatus holds the few codes whose HTTP status is more precise than
// their kind's.
var codeStatus = map[string]int{
	"request.content_type":       http.StatusUnsupportedMediaType,
	"request.multipart_required": http.StatusUnsupportedMediaType,
	"request.method_not_allowed": http.StatusMethodNotAllowed,
}

// ProblemFor builds the problem document for err in lang. Internal errors
// are logged and shown without their cause.
func ProblemFor(r *http.Request, err error) Problem {
	lang := Lang(r)
	e, ok := linli.AsError(err)
	if !ok || e.Kind == linli.KindInternal {
		slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &linli.Error{Kind: linli.KindInternal, Code: "internal", Message: "something went wrong on our side; the error has been logged"}
	}
	status := Status(e.Kind)
	if s, ok := codeStatus[e.Code]; ok {
		status = s
	}
	detail, fields := Localize(lang, e)
	return Problem{
		Type:   "https://linli.dev/problems/" + strings.ReplaceAll(e.Code, ".", "/"),
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Code:   e.Code,
		Fields: fields,
	}
}

// Error writes err as application/problem+json.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(r, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", Lang(r))
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// JSON writes v with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// JSONBytes writes body, JSON already encoded, with the given status and
// the newline JSON's encoder ends with (appended in body's spare
// capacity); its length is known, so the answer goes out in one piece
// rather than chunked.
func JSONBytes(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// Decode reads a JSON body into v strictly: the content type must be
// JSON, the body at most limit bytes, unknown fields and trailing data are
// errors. Each failure is a *linli.Error the caller can pass to Error.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if err := jsonBody(r); err != nil {
		return err
	}
	return decodeStream(http.MaxBytesReader(w, r.Body, limit), limit, v)
}

// DecodeFast is Decode for a hot request type with a hand-written decoder
// (see Scanner): fast reads the whole body and reports whether it handled
// it, setting v only if so. Otherwise the same bytes go through Decode's
// path, so the value or the error is Decode's, byte for byte.
func DecodeFast(w http.ResponseWriter, r *http.Request, limit int64, v any, fast func(data []byte) bool) error {
	if err := jsonBody(r); err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	size := 512
	if n := r.ContentLength; n > 0 && n < min(limit, 64<<10) {
		// Room to see the end without growing; a large claim is not
		// believed up front, the buffer grows as the bytes come.
		size = int(n) + 1
	}
	data := make([]byte, 0, size)
	for {
		n, err := body.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			// Too large or cut off: what was read, then the same error.
			return decodeStream(io.MultiReader(bytes.NewReader(data), body), limit, v)
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if fast(data) {
		return nil
	}
	return decodeStream(bytes.NewReader(data), limit, v)
}

// jsonBody checks that the request says its body is JSON.
func jsonBody(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &linli.Error{Kind: linli.KindInvalid, Code: "request.content_type",
			Message: "send the body as application/json"}
	}
	return nil
}

// decodeStream reads one JSON value from body into v, strictly.
func decodeStream(body io.Reader, limit int64, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, limit)
		}
		return &linli.Error{Kind: linli.KindInvalid, Code: "request.malformed_json", Message: "the body holds more than one JSON value"}
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &maxErr):
		return &linli.Error{Kind: linli.KindTooLarge, Code: "request.too_large",
			Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
	case errors.As(err, &typeErr):
		return linli.Invalid("request.field_type", typeErr.Field, "field %q must be a %s", typeErr.Field, typeErr.Type)
	case errors.As(err, &timeErr):
		// encoding/json does not say which field held it.
		return &linli.Error{Kind: linli.KindInvalid, Code: "request.time_invalid",
			Message: fmt.Sprintf("%s is not an RFC 3339 time such as 2024-03-01T14:30:00+08:00", timeErr.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return linli.Invalid("request.unknown_field", name, "field %q is not known", name)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &linli.Error{Kind: linli.KindInvalid, Code: "request.malformed_json", Message: "the body is not valid JSON"}
	}
	return &linli.Error{Kind: linli.KindInvalid, Code: "request.malformed_json", Message: "the body is not valid JSON: " + err.Error()}
}

// Languages for the problem detail come from Accept-Language unless a staff
// member chose one; see Lang.
var _ = locale.Chinese

// Attachment marks the response as a file to save (exports, reports): its
// type, its name, and never cached, since it usually holds personal data.
func Attachment(w http.ResponseWriter, contentType, filename string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	h.Set("Cache-Control", "no-store")
}
