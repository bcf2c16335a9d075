package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestNewFindsCredentials(t *testing.T) {
	tests := []struct {
		name      string
		file      string // credentials.json under XDG_CONFIG_HOME ("": none)
		env       map[string]string
		opts      []Option
		wantBase  string
		wantToken string
	}{
		{name: "nothing", wantBase: DefaultBaseURL},
		{name: "file", file: `{"api":"http://file:1/","token":"file-token"}`,
			wantBase: "http://file:1", wantToken: "file-token"},
		{name: "environment over file", file: `{"api":"http://file:1","token":"file-token"}`,
			env:      map[string]string{"LECTERN_API": "http://env:2", "LECTERN_TOKEN": "env-token"},
			wantBase: "http://env:2", wantToken: "env-token"},
		{name: "token from environment, API from file", file: `{"api":"http://file:1","token":"file-token"}`,
			env:      map[string]string{"LECTERN_TOKEN": "env-token"},
			wantBase: "http://file:1", wantToken: "env-token"},
		{name: "options over environment", file: `{"api":"http://file:1","token":"file-token"}`,
			env:      map[string]string{"LECTERN_API": "http://env:2", "LECTERN_TOKEN": "env-token"},
			opts:     []Option{WithBaseURL("http://opt:3/"), WithToken("opt-token")},
			wantBase: "http://opt:3", wantToken: "opt-token"},
		{name: "an option clears the token", env: map[string]string{"LECTERN_TOKEN": "env-token"},
			opts: []Option{WithToken("")}, wantBase: DefaultBaseURL},
		{name: "unreadable file is no file", file: `not json`, wantBase: DefaultBaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", cfg)
			t.Setenv("LECTERN_API", "")
			t.Setenv("LECTERN_TOKEN", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.file != "" {
				writeFile(t, filepath.Join(cfg, "lectern", "credentials.json"), tt.file)
			}
			c := New(tt.opts...)
			if c.BaseURL() != tt.wantBase || c.token != tt.wantToken {
				t.Errorf("New() = %q with token %q, want %q with %q", c.BaseURL(), c.token, tt.wantBase, tt.wantToken)
			}
			if c.HasToken() != (tt.wantToken != "") {
				t.Errorf("HasToken() = %v with token %q", c.HasToken(), c.token)
			}
		})
	}
}

func TestCredentialsPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	if got, want := CredentialsPath(), filepath.Join(home, ".config", "lectern", "credentials.json"); got != want {
		t.Errorf("without XDG_CONFIG_HOME: %q, want %q", got, want)
	}
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if got, want := CredentialsPath(), "/xdg/lectern/credentials.json"; got != want {
		t.Errorf("with XDG_CONFIG_HOME: %q, want %q", got, want)
	}
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    Error
		wantMsg string
	}{
		{name: "the API's shape", status: 400, body: `{"error":{"code":"invalid","message":"size: must be a positive number of bytes","field":"size"}}`,
			want:    Error{Status: 400, Code: "invalid", Message: "size: must be a positive number of bytes", Field: "size"},
			wantMsg: "size: must be a positive number of bytes (HTTP 400)"},
		{name: "no field", status: 404, body: `{"error":{"code":"not_found","message":"video not found"}}`,
			want: Error{Status: 404, Code: "not_found", Message: "video not found"}, wantMsg: "video not found (HTTP 404)"},
		{name: "not JSON", status: 502, body: "<html>Bad Gateway</html>\n",
			want: Error{Status: 502, Message: "<html>Bad Gateway</html>"}, wantMsg: "<html>Bad Gateway</html> (HTTP 502)"},
		{name: "JSON without a message", status: 500, body: `{"error":{"code":"x"}}`,
			want: Error{Status: 500, Message: `{"error":{"code":"x"}}`}, wantMsg: `{"error":{"code":"x"}} (HTTP 500)`},
		{name: "empty", status: 503, want: Error{Status: 503}, wantMsg: " (HTTP 503)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			var out map[string]any
			err := New(WithBaseURL(srv.URL)).GetJSON(context.Background(), "/api/v1/anything", &out)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("GetJSON: %v (%T), want an *Error", err, err)
			}
			if *ae != tt.want {
				t.Errorf("error = %+v, want %+v", *ae, tt.want)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wantMsg)
			}
			if out != nil {
				t.Errorf("out = %v, want untouched", out)
			}
		})
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Auth", r.Header.Get("Authorization"))
			w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"method":"` + r.Method + `","query":"` + r.URL.RawQuery + `"}`))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := New(WithBaseURL(srv.URL+"/"), WithToken("tok"))

	var resp Response
	if err := c.PostJSON(ctx, "/echo?x=1", map[string]int{"a": 1}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusCreated || resp.Header.Get("X-Auth") != "Bearer tok" || resp.Header.Get("X-Content-Type") != "application/json" ||
		string(resp.Body) != `{"method":"POST","query":"x=1"}` {
		t.Errorf("PostJSON: %+v %s", resp, resp.Body)
	}

	var got struct{ Method string }
	if err := c.As("").SendJSON(ctx, http.MethodPatch, "/echo", nil, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Auth") != "" || resp.Header.Get("X-Content-Type") != "" {
		t.Errorf("anonymous PATCH without a body sent Authorization %q, Content-Type %q", resp.Header.Get("X-Auth"), resp.Header.Get("X-Content-Type"))
	}
	if err := c.GetJSON(ctx, "/echo", &got); err != nil || got.Method != "GET" {
		t.Errorf("GetJSON: %+v, %v", got, err)
	}
	got.Method = "kept"
	if err := c.GetJSON(ctx, "/empty", &got); err != nil || got.Method != "kept" {
		t.Errorf("GetJSON of an empty answer: %+v, %v", got, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
