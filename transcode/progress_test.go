package transcode

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParseProgressFixture(t *testing.T) {
	// Captured from ffmpeg 5.1 encoding a 3 s clip to two outputs.
	f, err := os.Open("testdata/progress_ffmpeg51.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []Progress
	if err := ParseProgress(f, 3.0, func(p Progress) { got = append(got, p) }); err != nil {
		t.Fatal(err)
	}
	want := []Progress{
		{Percent: 42667.0 / 3e6 * 100, OutTime: 42667 * time.Microsecond, Frame: 1, FPS: 0, Speed: 4.79},
		{Percent: 1749333.0 / 3e6 * 100, OutTime: 1749333 * time.Microsecond, Frame: 52, FPS: 0, Speed: 5.54},
		{Percent: 2730667.0 / 3e6 * 100, OutTime: 2730667 * time.Microsecond, Frame: 81, FPS: 0, Speed: 4.39},
		{Percent: 100, OutTime: 3008 * time.Millisecond, Frame: 90, FPS: 81.48, Speed: 2.72, Done: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !sameProgress(got[i], want[i]) {
			t.Errorf("report %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func sameProgress(a, b Progress) bool {
	return math.Abs(a.Percent-b.Percent) < 1e-9 && a.OutTime == b.OutTime && a.Frame == b.Frame &&
		a.FPS == b.FPS && a.Speed == b.Speed && a.Done == b.Done
}

func TestParseProgress(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		duration float64
		want     []Progress
	}{
		{
			name:     "nothing encoded yet",
			input:    "frame=0\nfps=0.00\nbitrate=N/A\nout_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n",
			duration: 10,
			want:     []Progress{{}},
		},
		{
			name:     "negative start time counts as zero",
			input:    "out_time_us=-9223372036854775807\nout_time=-2562047788:00:54.775807\nprogress=continue\n",
			duration: 10,
			want:     []Progress{{}},
		},
		{
			name:     "out_time only",
			input:    "out_time=00:01:30.500000\nspeed=1.5x\nprogress=continue\n",
			duration: 181,
			want:     []Progress{{Percent: 50, OutTime: 90*time.Second + 500*time.Millisecond, Speed: 1.5}},
		},
		{
			name:     "out_time_ms is microseconds too",
			input:    "out_time_ms=2500000\nprogress=continue\n",
			duration: 5,
			want:     []Progress{{Percent: 50, OutTime: 2500 * time.Millisecond}},
		},
		{
			name:     "past the duration is clamped",
			input:    "out_time_us=12000000\nprogress=continue\n",
			duration: 10,
			want:     []Progress{{Percent: 100, OutTime: 12 * time.Second}},
		},
		{
			name:     "unknown duration gives 0% until done",
			input:    "out_time_us=1000000\nprogress=continue\nout_time_us=2000000\nprogress=end\n",
			duration: 0,
			want: []Progress{
				{OutTime: time.Second},
				{Percent: 100, OutTime: 2 * time.Second, Done: true},
			},
		},
		{
			name:     "CRLF, blanks and junk are ignored",
			input:    "\r\nnot a pair\r\nframe=abc\r\nframe=7\r\nout_time_us=1000000\r\nprogress=continue\r\n",
			duration: 4,
			want:     []Progress{{Percent: 25, OutTime: time.Second, Frame: 7}},
		},
		{
			name:     "incomplete last block is not reported",
			input:    "out_time_us=1000000\nprogress=continue\nout_time_us=2000000\n",
			duration: 4,
			want:     []Progress{{Percent: 25, OutTime: time.Second}},
		},
		{
			name:     "lines after end are drained, not reported",
			input:    "progress=end\nout_time_us=1\nprogress=continue\n",
			duration: 4,
			want:     []Progress{{Percent: 100, Done: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Progress
			if err := ParseProgress(strings.NewReader(tt.input), tt.duration, func(p Progress) { got = append(got, p) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if !sameProgress(got[i], tt.want[i]) {
					t.Errorf("report %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseProgressReadError(t *testing.T) {
	boom := errors.New("boom")
	r := iotest.ErrReader(boom)
	if err := ParseProgress(r, 1, nil); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}
