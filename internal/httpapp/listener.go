package httpapp

import (
	"net"
	"strconv"
	"sync"
	"time"
)

// PerAddressListener caps the connections one client address may hold
// open through ln at max (0: no cap). A connection past the cap is answered
// 429 and closed at once, before any request is read, so one greedy client
// cannot hold every connection the server will take.
func PerAddressListener(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &perAddress{Listener: ln, max: max, open: map[string]int{}}
}

type perAddress struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

var tooManyConns = func() []byte {
	body := `{"error":{"code":"too_many_connections","message":"this address holds too many connections at once"}}`
	return []byte("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

func (l *perAddress) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := hostOf(c.RemoteAddr())
		l.mu.Lock()
		if l.open[addr] >= l.max {
			l.mu.Unlock()
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write(tooManyConns)
			_ = c.Close()
			continue
		}
		l.open[addr]++
		l.mu.Unlock()
		return &countedConn{Conn: c, l: l, addr: addr}, nil
	}
}

func (l *perAddress) release(addr string) {
	l.mu.Lock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
	l.mu.Unlock()
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn gives its place back once, however often it is closed.
type countedConn struct {
	net.Conn
	l    *perAddress
	addr string
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}
