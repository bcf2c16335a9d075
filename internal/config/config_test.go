package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.ChunkSize != 16<<20 || c.UploadTTL != 24*time.Hour || c.ScratchDir != ".data/scratch" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name, key, val, want string
	}{
		{"bad int", "LECTERN_DB_MAX_CONNS", "lots", "LECTERN_DB_MAX_CONNS"},
		{"bad duration", "LECTERN_UPLOAD_TTL", "tomorrow", "LECTERN_UPLOAD_TTL"},
		{"too many parts", "LECTERN_UPLOAD_MAX_BYTES", "1000000000000", "10000"},
		{"bad format", "LECTERN_LOG_FORMAT", "xml", "LECTERN_LOG_FORMAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(func(k string) string {
				if k == tt.key {
					return tt.val
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %s", err, tt.want)
			}
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var b strings.Builder
	PrintHelp(&b)
	for _, v := range Vars {
		if !strings.Contains(b.String(), v.Name) {
			t.Errorf("help misses %s", v.Name)
		}
	}
}
