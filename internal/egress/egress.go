// Package egress is how Lectern calls URLs its users give it (webhook
// receivers, an organization's own LRS): only public addresses unless
// private ones are allowed, no proxy, no redirects, a timeout.
package egress

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// publicOnly refuses connections to addresses inside the platform's own
// network: loopback, private (RFC 1918, unique local), link-local (cloud
// metadata at 169.254.169.254), CGNAT, unspecified and multicast. It checks
// the address actually dialled, after DNS, so a name that resolves (or
// re-resolves) to an internal address is refused too.
func publicOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to dial %s: %w", address, err)
	}
	if a := ap.Addr().Unmap(); internal(a) {
		return fmt.Errorf("refusing to call internal address %s (LECTERN_WEBHOOK_ALLOW_PRIVATE=1 allows it)", a)
	}
	return nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func internal(a netip.Addr) bool {
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a)
}

// Client returns a client for user-given URLs: no redirects (one could
// point a signed delivery anywhere; the 3xx is the answer), timeout per
// request and, unless allowPrivate, only public addresses.
func Client(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = publicOnly
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial on our behalf, past the check
	return &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
