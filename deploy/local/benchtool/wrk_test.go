package main

import (
	"os"
	"strings"
	"testing"
)

func TestParseWrk(t *testing.T) {
	tests := []struct {
		file    string
		want    wrkRun
		wantErr string
	}{
		{file: "wrk-ok.txt", want: wrkRun{RPS: 2352.7, P50Ms: 80.5, P99Ms: 1020, Requests: 70650,
			SocketErrors: "connect 0, read 0, write 0, timeout 12"}},
		{file: "wrk-non2xx.txt", wantErr: "18932 of 18932 responses were not 2xx or 3xx"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWrk(string(out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseWrk: error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parseWrk = %+v, want %+v", got, tt.want)
			}
		})
	}
}
