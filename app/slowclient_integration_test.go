package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lectern/lectern/app/apptest"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/testenv"
)

// dialFrom opens a TCP connection to addr from the loopback address from
// (127.0.0.2, ...: every 127/8 address is this machine), so that one test
// can be several clients.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, from, err)
	}
	return c
}

// slowPost starts a POST of a JSON body of n bytes and sends only its first
// 10 KB, past what the HTTP server reads before it calls the handlers (8
// KiB): the request waits on the rest.
func slowPost(t *testing.T, c net.Conn, host string, n int) {
	t.Helper()
	head := fmt.Sprintf("POST /api/v1/courses HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"title\": \"",
		host, apptest.Token, n)
	if _, err := io.WriteString(c, head+strings.Repeat("a", 10_000)); err != nil {
		t.Fatal(err)
	}
}

// Many clients trickling JSON bodies hold connections open, more of them
// than the database pool has connections, while other clients' ordinary
// requests (signing in, reading, writing) still complete: a request takes
// its transaction only once its whole body has arrived. The slow requests
// themselves create nothing.
func TestSlowBodiesDoNotStarveOthers(t *testing.T) {
	db := testenv.DB(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{Config: func(c *config.Config) {
		c.BodyTimeout = time.Minute // the slow bodies outlast the ordinary requests' client timeout
		c.MaxConnsPerIP = 100
	}})
	host := strings.TrimPrefix(api.Base, "http://")
	ctx := context.Background()
	var before int
	if err := db.QueryRow(ctx, `select count(*) from courses`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	const slow = 40 // the tenant pool has 16 connections
	var conns []net.Conn
	for range slow {
		c := dialFrom(t, "127.0.0.2", host)
		conns = append(conns, c)
		slowPost(t, c, host, 100_000)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Let the server take them all in (accepted, headers parsed, waiting
	// on their bodies).
	time.Sleep(500 * time.Millisecond)

	client := &http.Client{Timeout: 20 * time.Second}
	if code, body := api.Call("POST", "/api/v1/users", []byte(`{"email":"pat@example.com","name":"Pat","password":"a long enough password"}`), nil, nil); code != 201 {
		t.Fatalf("create a user while %d bodies trickle: %d %v", slow, code, body)
	}
	for i := range 20 {
		for _, r := range []struct {
			method, path, body, token string
			want                      int
		}{
			{"POST", "/api/v1/sessions", `{"email":"pat@example.com","password":"a long enough password"}`, "", 201},
			{"GET", "/api/v1/me", "", apptest.Token, 200},
			{"GET", "/api/v1/catalog", "", apptest.Token, 200},
			{"POST", "/api/v1/courses", fmt.Sprintf(`{"title":"Ordinary %d"}`, i), apptest.Token, 201},
		} {
			req, _ := http.NewRequest(r.method, api.Base+r.path, strings.NewReader(r.body))
			if r.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if r.token != "" {
				req.Header.Set("Authorization", "Bearer "+r.token)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s while %d bodies trickle: %v", r.method, r.path, slow, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != r.want {
				t.Fatalf("%s %s: %d, want %d", r.method, r.path, resp.StatusCode, r.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	var after int
	if err := db.QueryRow(ctx, `select count(*) from courses`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+20 {
		t.Fatalf("%d courses made, want the 20 ordinary ones", after-before)
	}
}

// A body that does not arrive by its deadline is answered 408 and its
// connection closed; the request wrote nothing.
func TestLateBodyIs408(t *testing.T) {
	db := testenv.DB(t)
	api := apptest.StartApp(t, db, apptest.AppOptions{Config: func(c *config.Config) {
		c.BodyTimeout, c.BodyMinRate = time.Second, 1<<20
	}})
	host := strings.TrimPrefix(api.Base, "http://")
	c := dialFrom(t, "127.0.0.1", host)
	defer c.Close()
	slowPost(t, c, host, 50_000)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a late body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !bytes.Contains(body, []byte(`"request_timeout"`)) || !resp.Close {
		t.Fatalf("late body: %d close=%v %s", resp.StatusCode, resp.Close, body)
	}
	var n int
	if err := db.QueryRow(context.Background(), `select count(*) from courses`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d courses (%v)", n, err)
	}
}

// One address may hold only so many connections; past that it is refused
// (429) while another address is served.
func TestConnectionsPerAddressAreCapped(t *testing.T) {
	db := testenv.DB(t)
	const limit = 10
	api := apptest.StartApp(t, db, apptest.AppOptions{Config: func(c *config.Config) { c.MaxConnsPerIP = limit }})
	host := strings.TrimPrefix(api.Base, "http://")
	var mu sync.Mutex
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	get := func(c net.Conn) (*http.Response, error) {
		if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", host); err != nil {
			return nil, err
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	for i := range limit {
		c := dialFrom(t, "127.0.0.3", host)
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
		if resp, err := get(c); err != nil || resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("connection %d of %d refused: %v %v", i+1, limit, resp, err)
		}
	}
	extra := dialFrom(t, "127.0.0.3", host)
	defer extra.Close()
	if resp, err := get(extra); err == nil && resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("connection %d from one address: %d, want 429 or a closed connection", limit+1, resp.StatusCode)
	}
	other := dialFrom(t, "127.0.0.4", host)
	defer other.Close()
	if resp, err := get(other); err != nil || resp.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("another address is refused too: %v %v", resp, err)
	}
}
