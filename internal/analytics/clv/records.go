package clv

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
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
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
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
	s := string(data)
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
