// Package config reads Lectern's configuration from LECTERN_* environment
// variables. Every variable has a working default for the local stack, so
// `lectern run` works with no configuration at all once `make up` has run.
package config

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Config is the whole runtime configuration of the lectern binary.
type Config struct {
	HTTPAddr       string
	PublicURL      string
	CDNURL         string
	MediaSecret    string
	MediaURLTTL    time.Duration
	OriginSecret   string
	DatabaseURL    string
	DBMaxConns     int32
	RedisAddr      string
	RedisPassword  string
	RedisDB        int
	S3Endpoint     string
	S3AccessKey    string
	S3SecretKey    string
	S3Bucket       string
	S3UseSSL       bool
	AdminToken     string
	LogLevel       string
	LogFormat      string
	DataDir        string
	ScratchDir     string
	ScratchMax     int64
	UploadMax      int64
	ChunkSize      int64
	UploadTTL      time.Duration
	Concurrency    int
	ShutdownGrace  time.Duration
	FFmpeg         string
	FFprobe        string
	SegmentSeconds float64
	MaxFPS         float64
	MaxWidth       int
	MaxHeight      int
	MaxDuration    time.Duration
	JSONBodyLimit  int
	BulkBodyLimit  int
	RateLimit      int
	RateBurst      int
	// XAPIRateLimit and XAPIRateBurst limit each xAPI credential (and
	// learner) at /xapi/: an LRS client is a whole application.
	XAPIRateLimit int
	XAPIRateBurst int
	// SignInRate and SignInBurst limit sign-in attempts per client address
	// and per account (a brake on password guessing; never off).
	SignInRate     float64
	SignInBurst    int
	WebhookPrivate bool
	// The request path: how long a request body may take to arrive, how
	// long a request may take in all, how many connections one client
	// address may hold.
	BodyTimeout    time.Duration
	BodyMinRate    int
	RequestTimeout time.Duration
	PartTimeout    time.Duration
	MaxConnsPerIP  int
	// DebugAddr, when set, serves Go's profiles (net/http/pprof).
	DebugAddr string
}

// Var documents one environment variable.
type Var struct {
	Name    string
	Default string
	Help    string
}

// Vars lists every variable Lectern reads, in the order `lectern --help`
// prints them. It is the single source of truth for names and defaults.
var Vars = []Var{
	{"LECTERN_HTTP_ADDR", "127.0.0.1:8080", "address the API listens on"},
	{"LECTERN_PUBLIC_URL", "http://127.0.0.1:8080", "absolute URL of the API as browsers see it (watch page links)"},
	{"LECTERN_CDN_URL", "http://127.0.0.1:8081", "absolute URL of the CDN in front of the media bucket"},
	{"LECTERN_MEDIA_SECRET", "", "secret the CDN checks media URLs against (nginx secure_link); empty leaves media URLs unsigned (the local stack generates one)"},
	{"LECTERN_MEDIA_URL_TTL", "6h", "how long a signed media URL stays valid (rounded up to the hour)"},
	{"LECTERN_ORIGIN_SECRET", "", "Referer the CDN sends the object store; lectern migrate sets a bucket policy letting only requests with it read media/ (empty: no anonymous read at all; the local stack generates one)"},
	{"LECTERN_DATABASE_URL", "postgres://lectern@127.0.0.1:5433/lectern?sslmode=disable", "PostgreSQL connection string"},
	{"LECTERN_DB_MAX_CONNS", "10", "upper bound of the PostgreSQL connection pool per process"},
	{"LECTERN_REDIS_ADDR", "127.0.0.1:6380", "Redis address (asynq queue)"},
	{"LECTERN_REDIS_PASSWORD", "", "Redis password"},
	{"LECTERN_REDIS_DB", "0", "Redis database index"},
	{"LECTERN_S3_ENDPOINT", "127.0.0.1:9000", "S3/MinIO endpoint host:port"},
	{"LECTERN_S3_ACCESS_KEY", "", "S3 access key (the local stack writes it to .data/env)"},
	{"LECTERN_S3_SECRET_KEY", "", "S3 secret key"},
	{"LECTERN_S3_BUCKET", "lectern", "bucket holding sources (private) and media/ (public, behind the CDN)"},
	{"LECTERN_S3_SSL", "false", "use HTTPS to reach S3"},
	{"LECTERN_ADMIN_TOKEN", "", "bearer token required by write endpoints (the local stack generates one)"},
	{"LECTERN_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LECTERN_LOG_FORMAT", "text", "text or json"},
	{"LECTERN_DATA_DIR", ".data", "local stack data folder"},
	{"LECTERN_SCRATCH_DIR", "", "worker scratch folder (default: $LECTERN_DATA_DIR/scratch)"},
	{"LECTERN_SCRATCH_MAX_BYTES", "53687091200", "bytes of scratch space the worker may use at once (50 GiB)"},
	{"LECTERN_UPLOAD_MAX_BYTES", "21474836480", "largest accepted upload (20 GiB)"},
	{"LECTERN_UPLOAD_CHUNK_BYTES", "16777216", "upload chunk size (16 MiB; S3 needs >= 5 MiB)"},
	{"LECTERN_UPLOAD_TTL", "24h", "an upload not completed within this time is aborted and its parts removed"},
	{"LECTERN_WORKER_CONCURRENCY", "1", "encodes run at once per worker process"},
	{"LECTERN_SHUTDOWN_GRACE", "30s", "how long in-flight work may finish on shutdown before going back to the queue"},
	{"LECTERN_FFMPEG", "ffmpeg", "ffmpeg binary"},
	{"LECTERN_FFPROBE", "ffprobe", "ffprobe binary"},
	{"LECTERN_SEGMENT_SECONDS", "4", "CMAF segment duration (also the GOP length)"},
	{"LECTERN_MAX_FPS", "30", "frame rate cap of the ladder"},
	{"LECTERN_MAX_WIDTH", "7680", "largest accepted source width"},
	{"LECTERN_MAX_HEIGHT", "4320", "largest accepted source height"},
	{"LECTERN_MAX_DURATION", "6h", "longest accepted source"},
	{"LECTERN_JSON_BODY_LIMIT", "1048576", "largest JSON request body in bytes"},
	{"LECTERN_RATE_LIMIT", "100", "API requests a second each token (anonymous: each client IP) may make sustained; 0 turns rate limiting off"},
	{"LECTERN_RATE_BURST", "200", "API requests a token may make at once before LECTERN_RATE_LIMIT applies; 0 turns rate limiting off"},
	{"LECTERN_XAPI_RATE_LIMIT", "2000", "LRS requests (/xapi/) a second each xAPI credential or learner may make sustained; 0 turns it off"},
	{"LECTERN_XAPI_RATE_BURST", "4000", "LRS requests a credential may make at once before LECTERN_XAPI_RATE_LIMIT applies; 0 turns it off"},
	{"LECTERN_SIGNIN_RATE", "0.2", "sign-in attempts a second each client address and each account may make sustained (a brake on password guessing; it cannot be turned off)"},
	{"LECTERN_SIGNIN_BURST", "10", "sign-in attempts a client address or an account may make at once before LECTERN_SIGNIN_RATE applies"},
	{"LECTERN_WEBHOOK_ALLOW_PRIVATE", "false", "let webhook deliveries and LRS forwarding reach loopback and private addresses (a receiver or an LRS on this machine); off, only public addresses are dialled"},
	{"LECTERN_BULK_BODY_LIMIT", "16777216", "largest body of a /bulk request (10,000 users or enrollments, JSON or CSV) in bytes"},
	{"LECTERN_BODY_TIMEOUT", "10s", "time a request's headers and a JSON body may take to arrive (plus LECTERN_BODY_MIN_RATE); a slower client gets 408 and never holds a database connection"},
	{"LECTERN_BODY_MIN_RATE", "65536", "bytes a second a JSON body must arrive at, beyond LECTERN_BODY_TIMEOUT (a 1 MiB body gets 10 s + 16 s)"},
	{"LECTERN_REQUEST_TIMEOUT", "30s", "deadline of every API request's work (database, object store); an upload part has LECTERN_PART_TIMEOUT"},
	{"LECTERN_PART_TIMEOUT", "10m", "time one upload part may take to arrive and be stored"},
	{"LECTERN_DEBUG_ADDR", "", "loopback address to serve Go's profiles on (/debug/pprof/); empty: none"},
	{"LECTERN_MAX_CONNS_PER_IP", "256", "connections one client address may hold open at once (0: no limit; behind a proxy that hides addresses, raise it or turn it off)"},
}

// Load reads the environment. It fails with a message naming the variable
// when a value does not parse.
func Load() (*Config, error) {
	return load(os.Getenv)
}

func load(getenv func(string) string) (*Config, error) {
	p := parser{getenv: getenv}
	c := &Config{
		HTTPAddr:       p.str("LECTERN_HTTP_ADDR"),
		PublicURL:      strings.TrimRight(p.str("LECTERN_PUBLIC_URL"), "/"),
		CDNURL:         strings.TrimRight(p.str("LECTERN_CDN_URL"), "/"),
		MediaSecret:    p.str("LECTERN_MEDIA_SECRET"),
		MediaURLTTL:    p.dur("LECTERN_MEDIA_URL_TTL"),
		OriginSecret:   p.str("LECTERN_ORIGIN_SECRET"),
		DatabaseURL:    p.str("LECTERN_DATABASE_URL"),
		DBMaxConns:     int32(p.int("LECTERN_DB_MAX_CONNS", 1, 1000)),
		RedisAddr:      p.str("LECTERN_REDIS_ADDR"),
		RedisPassword:  p.str("LECTERN_REDIS_PASSWORD"),
		RedisDB:        p.int("LECTERN_REDIS_DB", 0, 15),
		S3Endpoint:     p.str("LECTERN_S3_ENDPOINT"),
		S3AccessKey:    p.str("LECTERN_S3_ACCESS_KEY"),
		S3SecretKey:    p.str("LECTERN_S3_SECRET_KEY"),
		S3Bucket:       p.str("LECTERN_S3_BUCKET"),
		S3UseSSL:       p.bool("LECTERN_S3_SSL"),
		AdminToken:     p.str("LECTERN_ADMIN_TOKEN"),
		LogLevel:       p.str("LECTERN_LOG_LEVEL"),
		LogFormat:      p.str("LECTERN_LOG_FORMAT"),
		DataDir:        p.str("LECTERN_DATA_DIR"),
		ScratchDir:     p.str("LECTERN_SCRATCH_DIR"),
		ScratchMax:     p.int64("LECTERN_SCRATCH_MAX_BYTES", 1<<20),
		UploadMax:      p.int64("LECTERN_UPLOAD_MAX_BYTES", 1),
		ChunkSize:      p.int64("LECTERN_UPLOAD_CHUNK_BYTES", 5<<20),
		UploadTTL:      p.dur("LECTERN_UPLOAD_TTL"),
		Concurrency:    p.int("LECTERN_WORKER_CONCURRENCY", 1, 64),
		ShutdownGrace:  p.dur("LECTERN_SHUTDOWN_GRACE"),
		FFmpeg:         p.str("LECTERN_FFMPEG"),
		FFprobe:        p.str("LECTERN_FFPROBE"),
		SegmentSeconds: p.float("LECTERN_SEGMENT_SECONDS", 1, 10),
		MaxFPS:         p.float("LECTERN_MAX_FPS", 1, 120),
		MaxWidth:       p.int("LECTERN_MAX_WIDTH", 16, 16384),
		MaxHeight:      p.int("LECTERN_MAX_HEIGHT", 16, 16384),
		MaxDuration:    p.dur("LECTERN_MAX_DURATION"),
		JSONBodyLimit:  p.int("LECTERN_JSON_BODY_LIMIT", 1024, 1<<30),
		RateLimit:      p.int("LECTERN_RATE_LIMIT", 0, 100000),
		RateBurst:      p.int("LECTERN_RATE_BURST", 0, 1000000),
		XAPIRateLimit:  p.int("LECTERN_XAPI_RATE_LIMIT", 0, 1000000),
		XAPIRateBurst:  p.int("LECTERN_XAPI_RATE_BURST", 0, 10000000),
		SignInRate:     p.float("LECTERN_SIGNIN_RATE", 0.001, 100000),
		SignInBurst:    p.int("LECTERN_SIGNIN_BURST", 1, 1000000),
		WebhookPrivate: p.bool("LECTERN_WEBHOOK_ALLOW_PRIVATE"),
		BulkBodyLimit:  p.int("LECTERN_BULK_BODY_LIMIT", 1024, 1<<30),
		BodyTimeout:    p.dur("LECTERN_BODY_TIMEOUT"),
		BodyMinRate:    p.int("LECTERN_BODY_MIN_RATE", 1024, 1<<30),
		RequestTimeout: p.dur("LECTERN_REQUEST_TIMEOUT"),
		PartTimeout:    p.dur("LECTERN_PART_TIMEOUT"),
		MaxConnsPerIP:  p.int("LECTERN_MAX_CONNS_PER_IP", 0, 1<<20),
		DebugAddr:      p.str("LECTERN_DEBUG_ADDR"),
	}
	if c.ScratchDir == "" {
		c.ScratchDir = c.DataDir + "/scratch"
	}
	if c.ChunkSize > 5<<30 {
		p.errs = append(p.errs, "LECTERN_UPLOAD_CHUNK_BYTES: must be at most 5 GiB (S3 part limit)")
	}
	if c.UploadMax/c.ChunkSize > 10000 {
		p.errs = append(p.errs, fmt.Sprintf("LECTERN_UPLOAD_MAX_BYTES / LECTERN_UPLOAD_CHUNK_BYTES = %d parts, S3 allows 10000: raise the chunk size", c.UploadMax/c.ChunkSize))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		p.errs = append(p.errs, "LECTERN_LOG_FORMAT: must be text or json")
	}
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(p.errs, "; "))
	}
	return c, nil
}

// PrintHelp writes the variable table.
func PrintHelp(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	for _, v := range Vars {
		d := v.Default
		if d == "" {
			d = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, d, v.Help)
	}
	tw.Flush()
}

type parser struct {
	getenv func(string) string
	errs   []string
}

func (p *parser) str(name string) string {
	if v, ok := p.lookup(name); ok {
		return v
	}
	return defaultOf(name)
}

func (p *parser) lookup(name string) (string, bool) {
	v := strings.TrimSpace(p.getenv(name))
	return v, v != ""
}

func (p *parser) int64(name string, min int64) int64 {
	s := p.str(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min {
		p.errs = append(p.errs, fmt.Sprintf("%s: %q is not an integer >= %d", name, s, min))
		n, _ = strconv.ParseInt(defaultOf(name), 10, 64)
	}
	return n
}

func (p *parser) int(name string, min, max int) int {
	s := p.str(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		p.errs = append(p.errs, fmt.Sprintf("%s: %q is not an integer in [%d, %d]", name, s, min, max))
		n, _ = strconv.Atoi(defaultOf(name))
	}
	return n
}

func (p *parser) float(name string, min, max float64) float64 {
	s := p.str(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < min || f > max {
		p.errs = append(p.errs, fmt.Sprintf("%s: %q is not a number in [%g, %g]", name, s, min, max))
		f, _ = strconv.ParseFloat(defaultOf(name), 64)
	}
	return f
}

func (p *parser) bool(name string) bool {
	s := p.str(name)
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.errs = append(p.errs, fmt.Sprintf("%s: %q is not true or false", name, s))
	}
	return b
}

func (p *parser) dur(name string) time.Duration {
	s := p.str(name)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.errs = append(p.errs, fmt.Sprintf("%s: %q is not a positive duration like 30s or 24h", name, s))
		d, _ = time.ParseDuration(defaultOf(name))
	}
	return d
}

func defaultOf(name string) string {
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: unknown variable " + name)
}
