package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lectern/lectern/client"
)

func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/created":
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":"c1","auth":"` + r.Header.Get("Authorization") + `","type":"` + r.Header.Get("Content-Type") + `"}`))
		case "/refused":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":{"code":"forbidden","message":"admins only"}}`))
		}
	}))
	defer srv.Close()
	api := client.New(client.WithBaseURL(srv.URL), client.WithToken("admin"))
	type answer struct{ ID, Auth, Type string }
	tests := []struct {
		name    string
		c       *client.Client
		method  string
		path    string
		in      any
		want    int
		out     any
		check   func(out any) bool
		wantErr string
	}{
		{name: "decoded", c: api, method: http.MethodPost, path: "/created", in: map[string]any{}, want: 201, out: &answer{},
			check: func(out any) bool { return *out.(*answer) == answer{"c1", "Bearer admin", "application/json"} }},
		{name: "raw, anonymous, no body", c: api.As(""), method: http.MethodGet, path: "/created", want: 201, out: new([]byte),
			check: func(out any) bool { return string(*out.(*[]byte)) == `{"id":"c1","auth":"","type":""}` }},
		{name: "another 2xx than wanted", c: api, method: http.MethodPost, path: "/created", in: map[string]any{}, want: 200,
			wantErr: `POST /created: HTTP 201 (want 200): {"id":"c1"`},
		{name: "refused", c: api, method: http.MethodPatch, path: "/refused", in: map[string]any{}, want: 200,
			wantErr: "PATCH /refused: admins only (HTTP 403)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := call(context.Background(), tt.c, tt.method, tt.path, tt.in, tt.want, tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("call: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(tt.out) {
				t.Errorf("call gave %+v", tt.out)
			}
		})
	}
}
