package transcode

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Progress is one report from ffmpeg's -progress output.
type Progress struct {
	Percent float64       // 0..100, OutTime over the source duration
	OutTime time.Duration // how far into the media the encode is
	Frame   int64         // frames written (of the first output)
	FPS     float64       // encoding frames per second
	Speed   float64       // media seconds per wall second (1.5 for "1.5x"); 0 if unknown
	Done    bool          // ffmpeg's last report (progress=end)
}

// ParseProgress reads ffmpeg's -progress key=value blocks from r and calls
// cb at the end of each block (the "progress=continue|end" line). Percent is
// OutTime / durationSec, clamped to 0..100, and 100 on the final block.
// Unknown keys and malformed values are ignored; it returns r's error, if
// any, when r ends.
func ParseProgress(r io.Reader, durationSec float64, cb func(Progress)) error {
	var p Progress
	var timeSet bool
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "frame":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				p.Frame = n
			}
		case "fps":
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				p.FPS = f
			}
		case "speed":
			if f, err := strconv.ParseFloat(strings.TrimSuffix(val, "x"), 64); err == nil {
				p.Speed = f
			}
		case "out_time_us", "out_time_ms":
			// Both are microseconds (out_time_ms is misnamed in ffmpeg);
			// "N/A" before the first packet.
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				p.OutTime, timeSet = time.Duration(max(n, 0))*time.Microsecond, true
			}
		case "out_time":
			if !timeSet {
				if d, ok := parseClock(val); ok {
					p.OutTime = d
				}
			}
		case "progress":
			p.Done = val == "end"
			p.Percent = percent(p.OutTime, durationSec)
			if p.Done {
				p.Percent = 100
			}
			if cb != nil {
				cb(p)
			}
			timeSet = false
			if p.Done {
				// Anything after "end" is not ours; drain so ffmpeg never
				// blocks on a full pipe.
				_, err := io.Copy(io.Discard, r)
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read ffmpeg progress: %w", err)
	}
	return nil
}

func percent(t time.Duration, durationSec float64) float64 {
	if durationSec <= 0 {
		return 0
	}
	p := t.Seconds() / durationSec * 100
	return math.Min(math.Max(p, 0), 100)
}

// parseClock reads "HH:MM:SS.micro"; negative values (ffmpeg prints them
// before the first packet) count as 0.
func parseClock(s string) (time.Duration, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, true
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec*float64(time.Second)), true
}
