package egress

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDeliveriesReachOnlyPublicAddresses(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"93.184.216.34:443", true}, {"[2606:4700::1111]:443", true},
		{"127.0.0.1:80", false}, {"[::1]:80", false}, {"10.1.2.3:80", false}, {"192.168.0.1:80", false},
		{"172.16.5.4:80", false}, {"169.254.169.254:80", false}, {"100.64.0.1:80", false}, {"0.0.0.0:80", false},
		{"[fd00::1]:80", false}, {"[::ffff:127.0.0.1]:80", false}, {"224.0.0.1:80", false},
	} {
		err := publicOnly("tcp", c.addr, nil)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want allowed=%v", c.addr, err, c.ok)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	if _, err := Client(false, 5*time.Second).Do(req); err == nil || !strings.Contains(err.Error(), "internal address") {
		t.Fatalf("a loopback receiver was reached by the public-only client: %v", err)
	}
	req, _ = http.NewRequestWithContext(context.Background(), "POST", srv.URL, nil)
	resp, err := Client(true, 5*time.Second).Do(req)
	if err != nil {
		t.Fatalf("allowPrivate client: %v", err)
	}
	resp.Body.Close()
}
