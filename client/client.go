// Package client is a Go client of Lectern's public REST API, as any
// integrator would use it: the `lectern video` CLI verbs and `make bench`
// are built on it.
//
// New finds the API and the token the way the CLI does (LECTERN_API,
// LECTERN_TOKEN, then the credentials file the local stack writes). Upload
// sends a file through the resumable upload protocol, GetVideo and
// WaitVideo follow its encode, and Do, GetJSON, PostJSON and SendJSON reach
// any other route. An answer of status 300 or more is an *Error carrying
// the API's {"error": {"code", "message", "field"}}.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// DefaultBaseURL is where New looks for the API when nothing says otherwise
// (the local stack's `lectern run`).
const DefaultBaseURL = "http://127.0.0.1:8080"

// maxAnswer caps how much of an answer is read.
const maxAnswer = 16 << 20

// Client talks to one Lectern API as one token. It is safe for concurrent
// use.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// Option changes what New found.
type Option func(*Client)

// WithBaseURL points the client at the API at url (e.g.
// "http://127.0.0.1:8080"; a trailing slash is dropped).
func WithBaseURL(url string) Option { return func(c *Client) { c.base = url } }

// WithToken authenticates with token ("" sends no Authorization header).
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sends the requests through hc (its timeout, its
// connection pool).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// credentials is the file the local stack writes (`make up`).
type credentials struct {
	API   string `json:"api"`
	Token string `json:"token"`
}

// CredentialsPath is the credentials file New reads:
// $XDG_CONFIG_HOME/lectern/credentials.json, by default under ~/.config.
func CredentialsPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "lectern", "credentials.json")
}

// New returns a client of the API. Each setting comes from the first that
// has it: opts, then LECTERN_API and LECTERN_TOKEN, then the credentials
// file (CredentialsPath; a missing or unreadable file is no error), then
// DefaultBaseURL and no token.
func New(opts ...Option) *Client {
	var cred credentials
	if b, err := os.ReadFile(CredentialsPath()); err == nil {
		_ = json.Unmarshal(b, &cred)
	}
	c := &Client{base: DefaultBaseURL, token: cred.Token, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	if cred.API != "" {
		c.base = cred.API
	}
	if v := os.Getenv("LECTERN_API"); v != "" {
		c.base = v
	}
	if v := os.Getenv("LECTERN_TOKEN"); v != "" {
		c.token = v
	}
	for _, o := range opts {
		o(c)
	}
	c.base = strings.TrimRight(c.base, "/")
	return c
}

// BaseURL is the API's URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// HasToken reports whether the client authenticates at all.
func (c *Client) HasToken() bool { return c.token != "" }

// As is a client of the same API, through the same connections, that
// authenticates with token instead ("" for anonymous requests).
func (c *Client) As(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// Error is an answer of status 300 or more: the API's
// {"error": {"code", "message", "field"}}, or the answer's text as Message
// when it is not that shape (a proxy's error page).
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status) }

func decodeError(status int, body []byte) *Error {
	var e struct {
		Error Error `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		e.Error = Error{Message: strings.TrimSpace(string(body))}
	}
	e.Error.Status = status
	return &e.Error
}

// Response is a whole answer, for callers that want more than its JSON
// decoded: pass a *Response as Do's out.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// NewRequest builds a request of path (e.g. "/api/v1/videos/ID", with any
// query) under the base URL, carrying the client's token. The caller sets
// Content-Type and anything else the route wants; the Content-Length of a
// *bytes.Reader, *bytes.Buffer or *strings.Reader body is set as by
// http.NewRequest.
func (c *Client) NewRequest(method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// Do sends req with ctx and reads the whole answer. An answer of status
// 300 or more is returned as an *Error. Otherwise out receives it: nil
// discards it, a *Response gets the status, headers and body, and any
// other value is decoded from the JSON body (an empty body leaves it as it
// is). A transport error is returned as net/http gives it (it names the
// method and URL).
func (c *Client) Do(ctx context.Context, req *http.Request, out any) error {
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, b)
	}
	switch o := out.(type) {
	case nil:
	case *Response:
		*o = Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	default:
		if len(b) > 0 {
			return json.Unmarshal(b, out)
		}
	}
	return nil
}

// SendJSON sends in as a JSON body (nil: no body) with method to path, and
// hands the answer to out as Do does.
func (c *Client) SendJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := c.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Do(ctx, req, out)
}

// GetJSON gets path and hands the answer to out as Do does.
func (c *Client) GetJSON(ctx context.Context, path string, out any) error {
	return c.SendJSON(ctx, http.MethodGet, path, nil, out)
}

// PostJSON posts in as JSON to path and hands the answer to out as Do does.
func (c *Client) PostJSON(ctx context.Context, path string, in, out any) error {
	return c.SendJSON(ctx, http.MethodPost, path, in, out)
}
