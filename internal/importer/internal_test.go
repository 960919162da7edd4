package importer

// Tests of unexported helpers; the rest of the tests use the package from
// outside, as the store does.

import (
	"fmt"
	"testing"

	"github.com/linli/linli"
)

func TestBind(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		m      Map
		want   map[string]string // field → title
		code   string
	}{
		{"english keys map themselves", []string{"Name", "PHONE", "Tags", "extra"}, nil,
			map[string]string{"name": "Name", "phone": "PHONE", "tags": "Tags"}, ""},
		{"chinese titles", []string{"姓名", "手机号", "性别", "出生日期", "小区", "会员卡号", "来源", "推荐人", "标签", "备注"}, nil,
			map[string]string{"name": "姓名", "phone": "手机号", "gender": "性别", "birthday": "出生日期", "area": "小区",
				"card": "会员卡号", "channel": "来源", "referrer": "推荐人", "tags": "标签"}, ""},
		{"mobile beats landline", []string{"电话", "姓名", "手机"}, nil,
			map[string]string{"name": "姓名", "phone": "手机"}, ""},
		{"marks and hints ignored", []string{"姓名*", "手机号 *", "生日(YYYY-MM-DD)"}, nil,
			map[string]string{"name": "姓名*", "phone": "手机号 *", "birthday": "生日(YYYY-MM-DD)"}, ""},
		{"explicit map plus detection", []string{"客户", "联系方式", "生日"}, Map{"name": "客户", "phone": "联系方式"},
			map[string]string{"name": "客户", "phone": "联系方式", "birthday": "生日"}, ""},
		{"explicit empty leaves a field out", []string{"姓名", "手机", "生日"}, Map{"birthday": ""},
			map[string]string{"name": "姓名", "phone": "手机"}, ""},
		{"mapped column missing", []string{"姓名", "手机"}, Map{"phone": "手机号码"}, nil, "import.missing_column"},
		{"unknown field", []string{"姓名", "手机"}, Map{"mobil": "手机"}, nil, "import.unknown_field"},
		{"no phone column", []string{"姓名", "地址"}, nil, nil, "import.missing_column"},
		{"one column two fields", []string{"姓名", "手机"}, Map{"phone": "手机", "referrer": "手机"}, nil, "import.bad_map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bind(tt.header, tt.m)
			if tt.code != "" {
				if linli.ErrorCode(err) != tt.code {
					t.Fatalf("error %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(b.mapped) != fmt.Sprint(tt.want) {
				t.Errorf("mapped %v, want %v", b.mapped, tt.want)
			}
		})
	}
}

func TestExcelValues(t *testing.T) {
	for in, want := range map[string]string{"1.3812345678E+10": "13812345678", "13812345678.0": "13812345678",
		"138.1234.5678": "138.1234.5678", "13812345678": "13812345678"} {
		if got := excelNumber(in); got != want {
			t.Errorf("excelNumber(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"32875": "1990-01-02", "32875.0": "1990-01-02", "19900102": "19900102",
		"1990-01-02": "1990-01-02", "12": "12"} {
		if got := excelDate(in); got != want {
			t.Errorf("excelDate(%q) = %q", in, got)
		}
	}
}
