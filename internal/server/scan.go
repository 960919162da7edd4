package server

import (
	"bytes"
	"math"
	"unicode/utf8"
)

// Scanner reads a request body for a hand-written decoder of one hot
// request type (the till's sale), a few times cheaper than encoding/json's
// reflection. It accepts only the plainest JSON: strings without escapes,
// integers, true and false, objects and arrays. Anything else — an escape,
// a fraction, null, a key it does not expect — makes it fail, and the
// caller then decodes the same bytes with encoding/json, which gives the
// usual value or the usual error. So a Scanner never has to be right about
// an error, only about the values it accepts, which a fuzz test checks
// against encoding/json.
type Scanner struct {
	data []byte
	pos  int
	bad  bool
}

// NewScanner scans data.
func NewScanner(data []byte) *Scanner { return &Scanner{data: data} }

// OK reports whether everything scanned so far was accepted.
func (s *Scanner) OK() bool { return !s.bad }

// Fail marks the input as not handled.
func (s *Scanner) Fail() { s.bad = true }

// End accepts only white space after the value: encoding/json rejects
// anything else.
func (s *Scanner) End() bool {
	s.space()
	if s.pos != len(s.data) {
		s.bad = true
	}
	return !s.bad
}

func (s *Scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, taking
// it if so.
func (s *Scanner) next(c byte) bool {
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// Object reads an object, calling field for each key, which must read the
// value (or Fail). The key is the input's own bytes, to be compared
// (switch string(key) does not allocate), not kept. A key seen twice
// fails: encoding/json merges repeats in ways not worth copying.
func (s *Scanner) Object(field func(key []byte)) {
	if s.bad || !s.next('{') {
		s.bad = true
		return
	}
	if s.next('}') {
		return
	}
	var buf [16][]byte
	seen := buf[:0]
	for !s.bad {
		key, ok := s.raw()
		if !ok || !s.next(':') {
			s.bad = true
			return
		}
		for _, k := range seen {
			if bytes.Equal(k, key) {
				s.bad = true
				return
			}
		}
		seen = append(seen, key)
		field(key)
		if s.bad {
			return
		}
		if s.next('}') {
			return
		}
		if !s.next(',') {
			s.bad = true
		}
	}
}

// Array reads an array, calling elem for each element, which must read
// it (or Fail). It reports whether the array was read, empty or not.
func (s *Scanner) Array(elem func()) bool {
	if s.bad || !s.next('[') {
		s.bad = true
		return false
	}
	if s.next(']') {
		return true
	}
	for !s.bad {
		elem()
		if s.bad {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			s.bad = true
		}
	}
	return false
}

// raw reads a string without escapes and returns its bytes, quotes
// excluded.
func (s *Scanner) raw() ([]byte, bool) {
	if s.bad || !s.next('"') {
		return nil, false
	}
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			b := s.data[start:s.pos]
			s.pos++
			// encoding/json turns invalid UTF-8 into U+FFFD: not copied here.
			if !utf8.Valid(b) {
				return nil, false
			}
			return b, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.pos++
	}
	return nil, false
}

// String reads a string.
func (s *Scanner) String() string {
	b, ok := s.raw()
	if !ok {
		s.bad = true
		return ""
	}
	return string(b)
}

// Quoted reads a string and returns it with its quotes, as a
// json.Unmarshaler such as time.Time takes it.
func (s *Scanner) Quoted() []byte {
	s.space()
	start := s.pos
	if _, ok := s.raw(); !ok {
		s.bad = true
		return nil
	}
	return s.data[start:s.pos]
}

// Int reads an integer: no fraction or exponent, which encoding/json
// refuses for an integer field, and within int64.
func (s *Scanner) Int() int64 {
	s.space()
	if s.bad || s.pos >= len(s.data) {
		s.bad = true
		return 0
	}
	neg := s.data[s.pos] == '-'
	if neg {
		s.pos++
	}
	start := s.pos
	var n uint64
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		d := uint64(s.data[s.pos] - '0')
		if n > (math.MaxUint64-d)/10 {
			s.bad = true
			return 0
		}
		n = n*10 + d
		s.pos++
	}
	digits := s.pos - start
	switch {
	case digits == 0, digits > 1 && s.data[start] == '0': // JSON has no leading zeros
		s.bad = true
		return 0
	case s.pos < len(s.data) && (s.data[s.pos] == '.' || s.data[s.pos] == 'e' || s.data[s.pos] == 'E'):
		s.bad = true
		return 0
	case neg && n > 1<<63, !neg && n > math.MaxInt64:
		s.bad = true
		return 0
	}
	if neg {
		return -int64(n)
	}
	return int64(n)
}

// Bool reads true or false.
func (s *Scanner) Bool() bool {
	s.space()
	rest := s.data[s.pos:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.pos += 4
		return true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.pos += 5
		return false
	}
	s.bad = true
	return false
}
