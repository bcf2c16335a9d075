package httpapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

var errGone = errors.New("gone")

func testApp() *fiber.App {
	app := New(Options{
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		JSONBodyLimit: 64,
		Streamed:      []string{"/stream/"},
		Errors:        []Mapping{{Err: errGone, Status: fiber.StatusGone, Code: "gone"}},
	})
	app.Post("/json", func(c *fiber.Ctx) error {
		var v struct {
			N int `json:"n"`
		}
		if err := ParseJSON(c, &v); err != nil {
			return err
		}
		if v.N < 0 {
			return Invalid("n", "must not be negative")
		}
		return c.JSON(v)
	})
	app.Get("/mapped", func(c *fiber.Ctx) error { return fmt.Errorf("video 7: %w", errGone) })
	app.Get("/boom", func(c *fiber.Ctx) error { return errors.New("secret detail") })
	app.Put("/stream/x", func(c *fiber.Ctx) error {
		n, _ := io.Copy(io.Discard, c.Context().RequestBodyStream())
		return c.JSON(fiber.Map{"n": n})
	})
	return app
}

func TestErrorsAreJSON(t *testing.T) {
	app := testApp()
	tests := []struct {
		name, method, path, body, ctype, auth string
		status                                int
		code, field, contains                 string
	}{
		{"invalid field", "POST", "/json", `{"n":-1}`, "application/json", "", 400, "invalid", "n", "n: must not be negative"},
		{"bad json", "POST", "/json", `{"n":`, "application/json", "", 400, "invalid_json", "", "not valid JSON"},
		{"wrong media type", "POST", "/json", `n=1`, "text/plain", "", 415, "unsupported_media_type", "", "application/json"},
		{"too large", "POST", "/json", `{"n":` + strings.Repeat("1", 100) + `}`, "application/json", "", 413, "too_large", "", "limit"},
		{"mapped domain error", "GET", "/mapped", "", "", "", 410, "gone", "", "video 7: gone"},
		{"internal hides detail", "GET", "/boom", "", "", "", 500, "internal", "", "internal error"},
		{"unknown route", "GET", "/nope", "", "", "", 404, "not_found", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := app.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Error Error `json:"error"`
			}
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("not JSON: %q", raw)
			}
			if resp.StatusCode != tt.status || body.Error.Code != tt.code || body.Error.Field != tt.field || !strings.Contains(body.Error.Message, tt.contains) {
				t.Fatalf("got %d %+v, want %d %s field=%q containing %q", resp.StatusCode, body.Error, tt.status, tt.code, tt.field, tt.contains)
			}
			if strings.Contains(string(raw), "secret detail") {
				t.Fatal("internal error detail leaked to the client")
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
		})
	}
}

func TestStreamedRoutesSkipTheJSONLimit(t *testing.T) {
	post := httptest.NewRequest("POST", "/stream/x", strings.NewReader(strings.Repeat("x", 1<<20)))
	if resp, err := testApp().Test(post, 10_000); err != nil || resp.StatusCode != 413 {
		t.Fatalf("a POST under a streamed prefix is not capped: %v %v", resp.StatusCode, err)
	}
	req := httptest.NewRequest("PUT", "/stream/x", strings.NewReader(strings.Repeat("x", 1<<20)))
	resp, err := testApp().Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"n":1048576`) {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
}
