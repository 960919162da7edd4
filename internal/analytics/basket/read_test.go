package basket

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// basketsText renders baskets as label lists, one basket per string.
func basketsText(b *Baskets) []string {
	var out []string
	for i := range b.Len() {
		var s []string
		for _, id := range b.AppendBasket(nil, i) {
			s = append(s, b.Labels()[id])
		}
		out = append(out, strings.Join(s, "|"))
	}
	return out
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
		opt      ReadOptions
		want     []string
		labels   []string
	}{
		{"commas", "a,b\nc\n", ReadOptions{}, []string{"a|b", "c"}, []string{"a", "b", "c"}},
		{"comma lines keep inner spaces", "whole milk\nwhole milk, yogurt \n", ReadOptions{},
			[]string{"whole milk", "whole milk|yogurt"}, []string{"whole milk", "yogurt"}},
		{"trailing space trimmed", "cream cheese ,soda\n", ReadOptions{}, []string{"cream cheese|soda"}, nil},
		{"white space", "1 2  3\t4 \n\n5\r\n", ReadOptions{}, []string{"1|2|3|4", "5"}, []string{"1", "2", "3", "4", "5"}},
		{"repeats count once", "a,b,a,b\n", ReadOptions{}, []string{"a|b"}, nil},
		{"blank lines ignored", "\n  \na\n,\n , \nb", ReadOptions{}, []string{"a", "b"}, nil},
		{"empty fields skipped", "a,,b,\n", ReadOptions{}, []string{"a|b"}, nil},
		{"byte order mark", "\xef\xbb\xbfa,b\n", ReadOptions{}, []string{"a|b"}, []string{"a", "b"}},
		{"no final newline", "x y", ReadOptions{}, []string{"x|y"}, nil},
		{"forced white space", "a,b c\n", ReadOptions{Sep: SepComma}, []string{"a|b c"}, nil},
		{"UTF-8 labels", "豆腐,酱油\n酱油\n", ReadOptions{}, []string{"豆腐|酱油", "酱油"}, []string{"豆腐", "酱油"}},
		{"Unicode spaces trimmed", "\u3000豆腐\u00a0, 酱油\n", ReadOptions{}, []string{"豆腐|酱油"}, nil},
		{"Unicode spaces separate", "豆腐\u3000酱油\n", ReadOptions{}, []string{"豆腐|酱油"}, nil},
		// Numbers first by value, then the other labels by bytes.
		{"label order", "b 10 a 9 010 0\n", ReadOptions{}, []string{"b|10|a|9|010|0"}, []string{"0", "9", "10", "010", "a", "b"}},
		{"large numbers", "99999999 100 12345678901\n", ReadOptions{}, []string{"99999999|100|12345678901"}, []string{"100", "99999999", "12345678901"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Read(strings.NewReader(tt.in), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := basketsText(b); !slices.Equal(got, tt.want) {
				t.Errorf("baskets %q, want %q", got, tt.want)
			}
			if tt.labels != nil && !slices.Equal(b.Labels(), tt.labels) {
				t.Errorf("labels %q, want %q", b.Labels(), tt.labels)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	long := strings.Repeat("x", 100) + "\n"
	tests := []struct {
		name, in string
		opt      ReadOptions
		want     error
		line     string
	}{
		{"empty", "", ReadOptions{}, ErrEmpty, ""},
		{"blank", "\n \n\t\n", ReadOptions{}, ErrNoItems, ""},
		{"NUL", "a,b\nc\x00d\n", ReadOptions{}, ErrNotText, "line 2"},
		{"invalid UTF-8", "a b\n\xff\xfe\n", ReadOptions{}, ErrNotText, "line 2"},
		{"invalid UTF-8 with commas", "a,\xc3\n", ReadOptions{}, ErrNotText, "line 1"},
		{"long line", "a\n" + long, ReadOptions{MaxLineBytes: 50}, ErrLineTooLong, "line 2"},
		{"long last line", "a\n" + strings.Repeat("x", 60), ReadOptions{MaxLineBytes: 50}, ErrLineTooLong, "line 2"},
		{"too many items", "a b c\nd e\n", ReadOptions{MaxItems: 4}, ErrTooManyItems, "line 2"},
		{"comma after the first block", strings.Repeat("a b\n", 20000) + "c,d\n", ReadOptions{}, ErrSeparator, "line 20001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), tt.opt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.line) {
				t.Errorf("error %q does not say %q", err, tt.line)
			}
		})
	}
}

func TestReadBinary(t *testing.T) {
	data, err := os.ReadFile(os.Args[0]) // the test binary itself
	if err != nil {
		t.Skip(err)
	}
	if _, err := Read(bytes.NewReader(data), ReadOptions{}); !errors.Is(err, ErrNotText) && !errors.Is(err, ErrLineTooLong) {
		t.Errorf("reading a binary: %v", err)
	}
}

func TestReadGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, "a,b\nb,c\n")
	zw.Close()
	b, err := Read(&buf, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := basketsText(b); !slices.Equal(got, []string{"a|b", "b|c"}) {
		t.Errorf("baskets %q", got)
	}
	if _, err := Read(bytes.NewReader([]byte{0x1f, 0x8b, 1, 2, 3}), ReadOptions{}); err == nil {
		t.Error("corrupt gzip read without error")
	}
}

func TestGroceriesFile(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	if b.Len() != 9835 || b.NumItems() != 169 || b.Occurrences() != 43367 {
		t.Fatalf("%d baskets, %d items, %d occurrences; want 9835, 169, 43367", b.Len(), b.NumItems(), b.Occurrences())
	}
	sizes := map[int]int{}
	counts := map[string]int{}
	for i := range b.Len() {
		items := b.AppendBasket(nil, i)
		sizes[len(items)]++
		for _, id := range items {
			counts[b.Labels()[id]]++
		}
	}
	for size, n := range map[int]int{1: 2159, 2: 1643, 3: 1299, 10: 246, 32: 1} {
		if sizes[size] != n {
			t.Errorf("%d baskets of %d items, want %d", sizes[size], size, n)
		}
	}
	for label, n := range map[string]int{"whole milk": 2513, "other vegetables": 1903, "rolls/buns": 1809, "soda": 1715, "yogurt": 1372} {
		if counts[label] != n {
			t.Errorf("%s in %d baskets, want %d", label, counts[label], n)
		}
	}
	if _, ok := counts["cream cheese"]; !ok {
		t.Error("cream cheese not read with its trailing space trimmed")
	}
}

// distinctItems generates lines of ever new items without storing them.
type distinctItems struct {
	next, total int
	buf         []byte
}

func (d *distinctItems) Read(p []byte) (int, error) {
	for len(d.buf) < len(p) && d.next < d.total {
		for range 10 {
			d.buf = strconv.AppendInt(d.buf, int64(d.next), 36)
			d.buf = append(d.buf, 'x', ' ')
			d.next++
		}
		d.buf = append(d.buf, '\n')
	}
	if len(d.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, d.buf)
	d.buf = d.buf[:copy(d.buf, d.buf[n:])]
	return n, nil
}

// TestTooManyItems feeds 10 million distinct items: the reader must stop
// at the limit quickly, having read only a tenth of the stream.
func TestTooManyItems(t *testing.T) {
	start := time.Now()
	src := &distinctItems{total: 10_000_000}
	_, err := Read(src, ReadOptions{})
	if !errors.Is(err, ErrTooManyItems) || !strings.Contains(err.Error(), "1000000") {
		t.Fatalf("error %v, want too many items", err)
	}
	if src.next > 2*DefaultMaxItems {
		t.Errorf("read %d items before failing", src.next)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v to fail", d)
	}
}

func TestBuilder(t *testing.T) {
	bld := NewBuilder(ReadOptions{MaxItems: 3})
	for _, basket := range [][]string{{"milk", "bread", "milk"}, {}, {"", "eggs"}} {
		if err := bld.Add(basket); err != nil {
			t.Fatal(err)
		}
	}
	if err := bld.Add([]string{"tea"}); !errors.Is(err, ErrTooManyItems) {
		t.Errorf("fourth item: %v", err)
	}
	b, err := NewBuilder(ReadOptions{}).Baskets()
	if !errors.Is(err, ErrNoItems) || b != nil {
		t.Errorf("no baskets: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"", "a,b\nc\n", "1 2 3\n4 5\n", "a,,b\n\n", "\xef\xbb\xbfx", "a\x00b", "\xff", "cream cheese ,x",
		"12 012 0 -1\n", "a b\r\nc,d\n", "豆腐 酱油\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data), ReadOptions{MaxItems: 1000, MaxLineBytes: 4096})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i, l := range b.Labels() {
			if l == "" || seen[l] || strings.TrimSpace(l) != l || strings.Contains(l, ",") {
				t.Fatalf("bad label %q", l)
			}
			seen[l] = true
			if i > 0 && compareLabels(b.Labels()[i-1], l) >= 0 {
				t.Fatalf("labels out of order: %q, %q", b.Labels()[i-1], l)
			}
		}
		for i := range b.Len() {
			items := b.AppendBasket(nil, i)
			if len(items) == 0 {
				t.Fatal("empty basket")
			}
			s := slices.Clone(items)
			slices.Sort(s)
			if len(slices.Compact(s)) != len(items) {
				t.Fatal("repeated item")
			}
		}
		// Mining what was read must not fail either.
		if _, err := Mine(b, Options{MinSupport: 0.3}); err != nil {
			t.Fatal(err)
		}
	})
}
