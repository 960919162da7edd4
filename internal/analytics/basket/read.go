package basket

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the reader unless ReadOptions say otherwise.
const (
	DefaultMaxItems     = 1_000_000
	DefaultMaxLineBytes = 1 << 20
)

// Errors of the reader, wrapped with the line they were found on.
var (
	ErrEmpty        = errors.New("empty file")
	ErrNoItems      = errors.New("no items")
	ErrTooManyItems = errors.New("too many distinct items")
	ErrLineTooLong  = errors.New("line too long")
	ErrNotText      = errors.New("not a text file")
	ErrSeparator    = errors.New("separator changes within the file")
	ErrTooLarge     = errors.New("too many item occurrences")
)

// Sep is how the items of a line are separated.
type Sep int

const (
	// SepAuto decides per file: commas when the first 64 KiB hold a comma,
	// else white space. Deciding per line would split Groceries' one-item
	// basket "whole milk" into two items.
	SepAuto Sep = iota
	// SepComma splits on commas and trims white space around each item,
	// so items may contain inner spaces ("whole milk").
	SepComma
	// SepSpace splits on runs of white space, Unicode's included (FIMI
	// format).
	SepSpace
)

// ReadOptions bound what the reader accepts; zero values take the defaults.
type ReadOptions struct {
	Sep Sep
	// MaxItems is the most distinct items accepted; the reader stops with
	// ErrTooManyItems at the first item beyond it, so a huge file of
	// distinct items fails fast instead of exhausting memory.
	MaxItems int
	// MaxLineBytes is the longest line accepted.
	MaxLineBytes int
}

func (o ReadOptions) maxItems() int {
	if o.MaxItems <= 0 {
		return DefaultMaxItems
	}
	return o.MaxItems
}

func (o ReadOptions) maxLine() int {
	if o.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return o.MaxLineBytes
}

// Baskets are transactions over items with dense ids 0..NumItems()-1.
// Ids follow the order of the labels: decimal integers (no sign, no
// leading zero) first, by value, then the others by bytes. So results do
// not depend on the order of lines in the file, and FIMI's numbered items
// keep their numeric order.
type Baskets struct {
	labels []string
	// Basket i is items[start[i]:start[i+1]], in items16 while there are
	// at most 1<<16 items (half the memory), else in items32.
	items16 []uint16
	items32 []int32
	start   []int32
}

// Len is the number of baskets.
func (b *Baskets) Len() int { return len(b.start) - 1 }

// NumItems is the number of distinct items.
func (b *Baskets) NumItems() int { return len(b.labels) }

// Occurrences is the number of (basket, item) pairs.
func (b *Baskets) Occurrences() int { return int(b.start[len(b.start)-1]) }

// AppendBasket appends the item ids of basket i, each once, in the order
// read, to dst.
func (b *Baskets) AppendBasket(dst []int32, i int) []int32 {
	if b.items32 != nil {
		return append(dst, b.items32[b.start[i]:b.start[i+1]]...)
	}
	for _, id := range b.items16[b.start[i]:b.start[i+1]] {
		dst = append(dst, int32(id))
	}
	return dst
}

// Labels are the item labels by id. The caller must not modify them.
func (b *Baskets) Labels() []string { return b.labels }

// Builder collects baskets one at a time.
type Builder struct {
	ids      map[string]int32
	num      []int32  // id+1 of the label of small decimal integer v, 0 if none
	nids     int      // distinct items so far
	items16  []uint16 // while nids <= 1<<16
	items32  []int32
	start    []int32
	seen     []int32 // basket mark that last held the item, to drop repeats
	mark     int32
	maxItems int
}

// numLimit bounds the integers looked up by table rather than by map: the
// table costs 4 bytes per value up to the largest seen.
const numLimit = 1 << 20

// NewBuilder starts an empty collection; only opt.MaxItems applies.
func NewBuilder(opt ReadOptions) *Builder {
	return newBuilder(opt, 0)
}

// newBuilder reserves room for about occurrences items.
func newBuilder(opt ReadOptions, occurrences int) *Builder {
	return &Builder{
		ids:      make(map[string]int32),
		items16:  make([]uint16, 0, occurrences),
		start:    append(make([]int32, 0, occurrences/8+1), 0),
		mark:     1,
		maxItems: opt.maxItems(),
	}
}

// Add adds one basket. Repeated items count once and empty labels are
// skipped; a basket with no items is not added, as the reader skips blank
// lines.
func (b *Builder) Add(items []string) error {
	for _, s := range items {
		if s == "" {
			continue
		}
		if err := b.item([]byte(s)); err != nil {
			return err
		}
	}
	return b.end()
}

// item adds one item to the open basket. Small integers, as in the FIMI
// files, are found by table; the map lookup with string(tok) does not
// allocate, and only new labels are copied.
func (b *Builder) item(tok []byte) error {
	if v, ok := smallNumber(tok); ok {
		return b.number(v)
	}
	return b.label(tok)
}

// token is item for a token whose digits, if it is all digits, make v.
func (b *Builder) token(tok []byte, v int, digits bool) error {
	if digits && len(tok) <= 7 && (tok[0] != '0' || len(tok) == 1) && v < numLimit {
		return b.number(v)
	}
	return b.label(tok)
}

// number adds the item labelled by the decimal integer v < numLimit.
func (b *Builder) number(v int) error {
	if v < len(b.num) && b.num[v] > 0 {
		return b.add(b.num[v] - 1)
	}
	id, err := b.newID()
	if err != nil {
		return err
	}
	// Labels of numbers are written when the reading is done.
	b.num = grow(b.num, v+1)
	b.num[v] = id + 1
	return b.add(id)
}

// label adds the item labelled tok, which is not a small number.
func (b *Builder) label(tok []byte) error {
	if id, ok := b.ids[string(tok)]; ok {
		return b.add(id)
	}
	id, err := b.newID()
	if err != nil {
		return err
	}
	b.ids[string(tok)] = id
	return b.add(id)
}

func (b *Builder) newID() (int32, error) {
	if b.nids >= b.maxItems {
		return 0, fmt.Errorf("%w: more than %d", ErrTooManyItems, b.maxItems)
	}
	b.nids++
	b.seen = grow(b.seen, b.nids)
	if b.nids == 1<<16+1 {
		// Ids no longer fit 16 bits.
		b.items32 = make([]int32, len(b.items16), max(2*len(b.items16), cap(b.items16)))
		for i, id := range b.items16 {
			b.items32[i] = int32(id)
		}
		b.items16 = nil
	}
	return int32(b.nids - 1), nil
}

// add adds item id to the open basket unless it is there already.
func (b *Builder) add(id int32) error {
	if b.seen[id] == b.mark {
		return nil
	}
	b.seen[id] = b.mark
	if b.items32 == nil {
		b.items16 = push(b.items16, uint16(id))
	} else {
		b.items32 = push(b.items32, id)
	}
	return nil
}

// push appends x, doubling the capacity when full: append's gentler
// growth copies large slices more often.
func push[E uint16 | int32](s []E, x E) []E {
	if len(s) == cap(s) {
		t := make([]E, len(s), max(1024, 2*cap(s)))
		copy(t, s)
		s = t
	}
	return append(s, x)
}

// grow extends s to at least n elements, doubling its capacity when
// needed: append's gentler growth would copy large slices more often.
func grow(s []int32, n int) []int32 {
	if n <= len(s) {
		return s
	}
	if n > cap(s) {
		t := make([]int32, max(n, 2*cap(s), 64))
		copy(t, s)
		return t[:n]
	}
	return s[:n]
}

// smallNumber is the value of a decimal integer below numLimit without
// sign or leading zero.
func smallNumber(tok []byte) (int, bool) {
	if len(tok) == 0 || len(tok) > 7 || (tok[0] == '0' && len(tok) > 1) {
		return 0, false
	}
	v := 0
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, v < numLimit
}

// end closes the open basket.
func (b *Builder) end() error {
	n := len(b.items16) + len(b.items32)
	if n == int(b.start[len(b.start)-1]) {
		return nil
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("%w: more than %d", ErrTooLarge, math.MaxInt32)
	}
	b.start = append(b.start, int32(n))
	b.mark++
	if b.mark == math.MaxInt32 {
		// Marks wrap only after 2^31 baskets, which the occurrence limit
		// already forbids; reset anyway rather than alias a stale mark.
		clear(b.seen)
		b.mark = 1
	}
	return nil
}

// Baskets renumbers the items in label order and returns the
// collection. The builder must not be used afterwards.
func (b *Builder) Baskets() (*Baskets, error) {
	if len(b.start) == 1 {
		return nil, ErrNoItems
	}
	// Labels by id; numbers share one string.
	byID := make([]string, b.nids)
	var digits []byte
	for v, id := range b.num {
		if id > 0 {
			digits = strconv.AppendInt(digits, int64(v), 10)
		}
	}
	all, off := string(digits), 0
	for v, id := range b.num {
		if id > 0 {
			n := 1
			for x := v; x >= 10; x /= 10 {
				n++
			}
			byID[id-1] = all[off : off+n]
			off += n
		}
	}
	for s, id := range b.ids {
		byID[id] = s
	}
	order := make([]int32, 0, b.nids)
	if len(b.ids) == 0 {
		// All labels are small numbers: the table is in order.
		for _, id := range b.num {
			if id > 0 {
				order = append(order, id-1)
			}
		}
	} else {
		number := make([]bool, b.nids)
		for i, s := range byID {
			order = append(order, int32(i))
			number[i] = isNumber(s)
		}
		slices.SortFunc(order, func(x, y int32) int {
			return labelOrder(number[x], byID[x], number[y], byID[y])
		})
	}
	rank := make([]int32, len(order))
	labels := make([]string, len(order))
	for r, id := range order {
		rank[id] = int32(r)
		labels[r] = byID[id]
	}
	for i, id := range b.items16 {
		b.items16[i] = uint16(rank[id])
	}
	for i, id := range b.items32 {
		b.items32[i] = rank[id]
	}
	out := &Baskets{labels: labels, items16: b.items16, items32: b.items32, start: b.start}
	*b = Builder{}
	return out, nil
}

// compareLabels orders labels as item ids are: decimal integers first,
// by value, then the others by bytes.
func compareLabels(a, b string) int {
	return labelOrder(isNumber(a), a, isNumber(b), b)
}

// labelOrder is compareLabels given whether a and b are numbers.
func labelOrder(na bool, a string, nb bool, b string) int {
	if na != nb {
		if na {
			return -1
		}
		return 1
	}
	if na && len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// isNumber says whether s is a decimal integer without sign or leading
// zero.
func isNumber(s string) bool {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ReadFile reads baskets from a file; gzip files are decompressed.
func ReadFile(path string, opt ReadOptions) (*Baskets, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("basket: %w", err)
	}
	defer f.Close()
	// The text size bounds the item occurrences (two bytes per item at
	// least); gzip records it, modulo 2^32, in its last four bytes.
	var hint int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		hint = st.Size()
		var head, tail [4]byte
		if _, err := f.ReadAt(head[:2], 0); err == nil && head[0] == 0x1f && head[1] == 0x8b && hint >= 18 {
			if _, err := f.ReadAt(tail[:], hint-4); err == nil {
				hint = int64(binary.LittleEndian.Uint32(tail[:]))
			}
		}
	}
	b, err := read(f, opt, int(min(hint/2+1, 1<<28)))
	if err != nil {
		return nil, fmt.Errorf("basket: read %s: %w", path, err)
	}
	return b, nil
}

// Byte classes for the line scanner.
const (
	clsPlain = iota
	clsSpace
	clsComma
	clsHigh // starts or continues a multi-byte UTF-8 sequence
	clsBad  // control bytes: the file is not text
)

var class = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			t[c] = clsSpace
		case c == ',':
			t[c] = clsComma
		case c < 0x20 || c == 0x7f:
			t[c] = clsBad
		case c >= 0x80:
			t[c] = clsHigh
		}
	}
	return t
}()

// Read reads baskets, one per line. Items are separated by commas or by
// white space as opt.Sep says; repeated items in a line count once; blank
// lines are ignored and are not baskets. A leading UTF-8 byte order mark
// is dropped, and gzip input is decompressed.
func Read(r io.Reader, opt ReadOptions) (*Baskets, error) {
	return read(r, opt, 0)
}

// firstBlock is the initial buffer, in which the separator is decided.
const firstBlock = 64 << 10

// pipeChunk is the size of the pieces decompressed ahead of the parser.
const pipeChunk = 128 << 10

func read(r io.Reader, opt ReadOptions, occurrences int) (*Baskets, error) {
	l := &lines{r: r, buf: make([]byte, firstBlock), max: opt.maxLine()}
	if err := l.fill(); err != nil {
		return nil, err
	}
	if l.w >= 2 && l.buf[0] == 0x1f && l.buf[1] == 0x8b {
		head := bytes.NewReader(slices.Clone(l.buf[:l.w]))
		zr, err := gzip.NewReader(io.MultiReader(head, r))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		// Decompress in a goroutine so that it overlaps the parsing; the
		// pipe is closed and the goroutine awaited however reading ends.
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := io.CopyBuffer(pw, zr, make([]byte, pipeChunk))
			pw.CloseWithError(err)
		}()
		defer func() {
			pr.Close()
			<-done
		}()
		l.r, l.w, l.err = pr, 0, nil
		if err := l.fill(); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	}
	if l.w == 0 {
		return nil, ErrEmpty
	}
	sep := opt.Sep
	if sep == SepAuto {
		sep = SepSpace
		if bytes.IndexByte(l.buf[:l.w], ',') >= 0 {
			sep = SepComma
		}
	}
	b := newBuilder(opt, occurrences)
	for {
		line, err := l.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", l.n, err)
		}
		if l.n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if err := b.line(line, sep); err != nil {
			return nil, fmt.Errorf("line %d: %w", l.n, err)
		}
	}
	return b.Baskets()
}

// lines splits a reader into lines in a buffer that grows up to the
// longest line allowed.
type lines struct {
	r    io.Reader
	buf  []byte
	r0   int // start of the unread bytes
	w    int // end of the bytes read
	scan int // buf[r0:scan] holds no newline
	max  int
	err  error // sticky: io.EOF or the read error
	n    int   // number of the last line returned
}

// fill reads until the buffer is full or the reader ends.
func (l *lines) fill() error {
	for zero := 0; l.w < len(l.buf) && l.err == nil; {
		n, err := l.r.Read(l.buf[l.w:])
		l.w += n
		if err != nil {
			l.err = err
		} else if n == 0 {
			if zero++; zero > 100 {
				l.err = io.ErrNoProgress
			}
		}
	}
	if l.err != nil && l.err != io.EOF {
		return l.err
	}
	return nil
}

// next is the next line without its newline; io.EOF after the last.
func (l *lines) next() ([]byte, error) {
	for {
		if i := bytes.IndexByte(l.buf[l.scan:l.w], '\n'); i >= 0 {
			end := l.scan + i
			line := l.buf[l.r0:end]
			l.r0, l.scan = end+1, end+1
			l.n++
			if len(line) > l.max {
				return nil, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, l.max)
			}
			return line, nil
		}
		l.scan = l.w
		if l.w-l.r0 > l.max {
			l.n++
			return nil, fmt.Errorf("%w: over %d bytes", ErrLineTooLong, l.max)
		}
		if l.err != nil {
			if l.err == io.EOF && l.w > l.r0 {
				line := l.buf[l.r0:l.w]
				l.r0 = l.w
				l.n++
				return line, nil
			}
			if l.err == io.EOF {
				return nil, io.EOF
			}
			l.n++
			return nil, l.err
		}
		if l.r0 > 0 {
			l.w = copy(l.buf, l.buf[l.r0:l.w])
			l.scan -= l.r0
			l.r0 = 0
		}
		if l.w == len(l.buf) {
			buf := make([]byte, min(2*len(l.buf), l.max+1))
			copy(buf, l.buf[:l.w])
			l.buf = buf
		}
		n, err := l.r.Read(l.buf[l.w:])
		l.w += n
		if err != nil {
			l.err = err
		}
	}
}

// line adds the items of one line as a basket.
func (b *Builder) line(line []byte, sep Sep) error {
	if sep == SepComma {
		return b.commaLine(line)
	}
	start, v, digits := -1, 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		// Digits and spaces first: numbered items (FIMI) are the
		// largest files.
		if d := c - '0'; d < 10 {
			if start < 0 {
				start, v, digits = i, 0, true
			}
			v = v*10 + int(d) // may overflow; token checks the length
			continue
		}
		switch class[c] {
		case clsPlain:
			if start < 0 {
				start = i
			}
			digits = false
			continue
		case clsSpace:
		case clsHigh:
			r, n := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && n == 1 {
				return fmt.Errorf("%w: invalid UTF-8", ErrNotText)
			}
			if !unicode.IsSpace(r) {
				if start < 0 {
					start = i
				}
				digits = false
				i += n - 1
				continue
			}
			// A separator such as U+3000, the ideographic space.
			if start >= 0 {
				if err := b.token(line[start:i], v, digits); err != nil {
					return err
				}
				start = -1
			}
			i += n - 1
			continue
		case clsComma:
			return fmt.Errorf("%w: a comma, where the start of the file has items separated by white space", ErrSeparator)
		default:
			return fmt.Errorf("%w: control byte 0x%02x", ErrNotText, c)
		}
		if start >= 0 {
			if err := b.token(line[start:i], v, digits); err != nil {
				return err
			}
			start = -1
		}
	}
	if start >= 0 {
		if err := b.token(line[start:], v, digits); err != nil {
			return err
		}
	}
	return b.end()
}

func (b *Builder) commaLine(line []byte) error {
	high := false
	for _, c := range line {
		if k := class[c]; k >= clsHigh {
			if k == clsBad {
				return fmt.Errorf("%w: control byte 0x%02x", ErrNotText, c)
			}
			high = true
		}
	}
	if high && !utf8.Valid(line) {
		return fmt.Errorf("%w: invalid UTF-8", ErrNotText)
	}
	for len(line) > 0 {
		field := line
		i := bytes.IndexByte(line, ',')
		if i >= 0 {
			field, line = line[:i], line[i+1:]
		} else {
			line = nil
		}
		for len(field) > 0 && class[field[0]] == clsSpace {
			field = field[1:]
		}
		for len(field) > 0 && class[field[len(field)-1]] == clsSpace {
			field = field[:len(field)-1]
		}
		if len(field) > 0 && (field[0] >= utf8.RuneSelf || field[len(field)-1] >= utf8.RuneSelf) {
			field = bytes.TrimFunc(field, unicode.IsSpace)
		}
		if len(field) > 0 {
			if err := b.item(field); err != nil {
				return err
			}
		}
	}
	return b.end()
}
