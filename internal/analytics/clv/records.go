package clv

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unsafe"
)

// maxInput bounds what the readers accept, far above any summary or log
// a store produces, so a wrong file cannot exhaust memory.
const maxInput = 1 << 30

// recordReader yields the records of a delimited file with their line
// numbers; io.EOF after the last one. Blank lines are skipped.
type recordReader func() (fields []string, line int, err error)

// newRecordReader reads all of r and splits it into records: by commas
// (with CSV quoting) when the first line has a comma, else by white space.
// The hint is the number of lines, for sizing what the caller builds.
// Files without quotes, the usual case, are split in place without
// encoding/csv, several times faster on a summary of thousands of rows;
// quoted files go through encoding/csv.
func newRecordReader(r io.Reader) (next recordReader, hint int, err error) {
	data, err := readAll(r)
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxInput {
		return nil, 0, fmt.Errorf("the file is larger than %d bytes", maxInput)
	}
	hint = min(bytes.Count(data, []byte("\n"))+1, 1<<20)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	firstLine := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		firstLine = data[:i]
	}
	comma := bytes.IndexByte(firstLine, ',') >= 0
	if comma && bytes.IndexByte(data, '"') >= 0 {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		return func() ([]string, int, error) {
			for {
				rec, err := cr.Read()
				if err != nil {
					return nil, 0, err
				}
				line, _ := cr.FieldPos(0)
				if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
					continue
				}
				return rec, line, nil
			}
		}, hint, nil
	}
	// data is ours and never written again, so the fields can point into
	// it rather than into a copy: on a run of a few milliseconds each
	// fresh page of memory is a page fault that costs more than parsing it.
	s := unsafe.String(unsafe.SliceData(data), len(data))
	line := 0
	var fields []string
	return func() ([]string, int, error) {
		for len(s) > 0 {
			var l string
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				l, s = s[:i], s[i+1:]
			} else {
				l, s = s, ""
			}
			line++
			l = strings.TrimSuffix(l, "\r")
			if strings.TrimSpace(l) == "" {
				continue
			}
			fields = fields[:0]
			if comma {
				for {
					i := strings.IndexByte(l, ',')
					if i < 0 {
						fields = append(fields, l)
						break
					}
					fields = append(fields, l[:i])
					l = l[i+1:]
				}
			} else {
				fields = append(fields, strings.Fields(l)...)
			}
			return fields, line, nil
		}
		return nil, 0, io.EOF
	}, hint, nil
}

// readAll reads r to the end, at most maxInput+1 bytes. A file is read
// into a buffer of its size: io.ReadAll's growing buffer would touch about
// twice the memory.
func readAll(r io.Reader) ([]byte, error) {
	var size int64
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	if size <= 0 || size > maxInput {
		return io.ReadAll(io.LimitReader(r, maxInput+1))
	}
	// One byte more than the size, so that the end shows as io.EOF
	// without a larger buffer.
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) == cap(buf):
			// The file grew while being read: read the rest as it comes.
			rest, err := io.ReadAll(io.LimitReader(r, maxInput+1-int64(len(buf))))
			return append(buf, rest...), err
		}
	}
}
