package clv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadAllFile checks that a file read into a buffer of its size gives
// the same bytes as a plain reader, for sizes around the buffer's edges.
func TestReadAllFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 511, 512, 513, 4096, 100_003} {
		want := bytes.Repeat([]byte("id,x\n"), n/5+1)[:n]
		path := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(path, want, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(f)
		f.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: got %d bytes, err %v", n, len(got), err)
		}
		got, err = readAll(strings.NewReader(string(want)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d from a reader: got %d bytes, err %v", n, len(got), err)
		}
	}
}

// TestReadSummaryFileIDs reads a summary from a file and checks that the
// ids, which point into the read buffer, are intact after parsing.
func TestReadSummaryFileIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte("id,x,t_x,T\na1,0,0,10\nb2,2,5,10\nc3,1,3,9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSummary(f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range s.Customers {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "a1 b2 c3" {
		t.Fatalf("ids %q", got)
	}
}
