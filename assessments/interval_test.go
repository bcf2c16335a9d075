package assessments

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// nearly reports whether a and b cover the same up to eps at each bound
// (as Intervals rounded to milliseconds do).
func nearly(a, b Intervals, eps float64) bool {
	n := float64(len(a) + len(b) + 1)
	return a.Subtract(b).Total() <= eps*n && b.Subtract(a).Total() <= eps*n
}

// checkNormalised fails unless iv is sorted, disjoint, not touching, and
// each interval finite, non-negative and of positive length.
func checkNormalised(t *testing.T, what string, iv Intervals) {
	t.Helper()
	for i, x := range iv {
		if !finite(x.Start) || !finite(x.End) || x.Start < 0 || !(x.End > x.Start) {
			t.Fatalf("%s: interval %d %v is not valid (in %v)", what, i, x, iv)
		}
		if i > 0 && !(x.Start > iv[i-1].End) {
			t.Fatalf("%s: interval %d %v does not come after %v", what, i, x, iv[i-1])
		}
	}
}

func TestParsePlayedSegments(t *testing.T) {
	tests := []struct {
		in   string
		want Intervals
	}{
		{"", nil},
		{"0.000[.]12.000[,]14.000[.]21.000", Intervals{{0, 12}, {14, 21}}},
		{"0[.]2.997", Intervals{{0, 2.997}}},
		{"14[.]21[,]0[.]12", Intervals{{0, 12}, {14, 21}}},
		{"0[.]10[,]5[.]15", Intervals{{0, 15}}},
		{"0[.]10[,]10[.]15", Intervals{{0, 15}}},
		{"3[.]3", nil},
		{"0[.]5[,]7[.]7[,]9[.]10.1234", Intervals{{0, 5}, {9, 10.1234}}},
		{"0[.]5[,]12.5", Intervals{{0, 5}}},    // open: still playing from 12.5
		{"0[.]5[,]12.5[.]", Intervals{{0, 5}}}, // open, other spelling
		{"12.5", nil},
		{"007[.]010", Intervals{{7, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePlayedSegments(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !nearly(got, tt.want, 0)) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParsePlayedSegmentsErrors(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"end before start", "0[.]5[,]9[.]8", `segment 1 "9[.]8": ends before it starts`},
		{"open in the middle", "0[.]5[,]7[,]9[.]10", `segment 1 "7": no end`},
		{"negative", "-1[.]5", "the start is not a number"},
		{"plus sign", "+1[.]5", "the start is not a number"},
		{"exponent", "0[.]1e3", "the end is not a number"},
		{"NaN", "NaN[.]5", "the start is not a number"},
		{"infinity", "0[.]Inf", "the end is not a number"},
		{"leading dot", ".5[.]1", "the start is not a number"},
		{"trailing dot", "0[.]1.", "the end is not a number"},
		{"two dots", "0[.]1.2.3", "the end is not a number"},
		{"spaces", "0[.] 5", "the end is not a number"},
		{"comma", "0,5[.]1", "the start is not a number"},
		{"trailing separator", "0[.]5[,]", `segment 1 "": the start is not a number`},
		{"empty segment", "0[.]5[,][,]6[.]7", `segment 1 "": the start is not a number`},
		{"three parts", "0[.]5[.]6", "the end is not a number"},
		{"too long a number", "0[.]" + strings.Repeat("9", 400), "the end is not a number"},
		{"too long", strings.Repeat("0", 64<<10+1), "65537 bytes, at most 65536"},
		{"too many", strings.Repeat("0[.]1[,]", 4096) + "2[.]3", "4097 segments, at most 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePlayedSegments(tt.in)
			if !errors.Is(err, ErrPlayedSegments) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want ErrPlayedSegments with %q", err, tt.msg)
			}
		})
	}
	if _, err := ParsePlayedSegments(strings.Repeat("0[.]1[,]", 4095) + "2[.]3"); err != nil {
		t.Errorf("4096 segments: %v", err)
	}
}

func TestIntervalsString(t *testing.T) {
	iv := Intervals{{0, 12}, {14.25, 21.0004}}
	if got, want := iv.String(), "0.000[.]12.000[,]14.250[.]21.000"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := Intervals(nil).String(); got != "" {
		t.Errorf("empty String() = %q", got)
	}
}

func TestNormalize(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	got := Normalize([]Interval{{5, 6}, {nan, 1}, {0, inf}, {3, 2}, {1, 1}, {-2, 1}, {1, 2}, {5.5, 8}, {-3, -1}})
	want := Intervals{{0, 2}, {5, 8}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Normalize = %v, want %v", got, want)
	}
	raw := []Interval{{3, 4}, {1, 2}}
	Normalize(raw)
	if raw[0] != (Interval{3, 4}) {
		t.Error("Normalize changed its input")
	}
	if Normalize(nil) != nil {
		t.Error("Normalize(nil) is not nil")
	}
}

func TestIntervalAlgebra(t *testing.T) {
	a := Intervals{{0, 10}, {20, 30}, {40, 50}}
	b := Intervals{{5, 25}, {45, 60}}
	eq := func(t *testing.T, what string, got, want Intervals) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s = %v, want %v", what, got, want)
				return
			}
		}
	}
	eq(t, "Union", Union(a, b), Intervals{{0, 30}, {40, 60}})
	eq(t, "Union with nothing", Union(a, nil), a)
	eq(t, "Add inside", a.Add(2, 3), a)
	eq(t, "Add bridging", a.Add(10, 20), Intervals{{0, 30}, {40, 50}})
	eq(t, "Add empty", a.Add(7, 7), a)
	eq(t, "Clip", a.Clip(5, 45), Intervals{{5, 10}, {20, 30}, {40, 45}})
	eq(t, "Clip outside", a.Clip(60, 70), nil)
	eq(t, "Clip at a boundary", a.Clip(10, 20), nil)
	eq(t, "Subtract", a.Subtract(b), Intervals{{0, 5}, {25, 30}, {40, 45}})
	eq(t, "Subtract itself", a.Subtract(a), nil)
	eq(t, "Subtract nothing", a.Subtract(nil), a)
	eq(t, "Subtract from nothing", Intervals(nil).Subtract(a), nil)
	eq(t, "Subtract holes", Intervals{{0, 100}}.Subtract(a), Intervals{{10, 20}, {30, 40}, {50, 100}})
	eq(t, "Intersect", a.Intersect(b), Intervals{{5, 10}, {20, 25}, {45, 50}})
	eq(t, "Truncate", a.Truncate(15), Intervals{{0, 10}, {20, 25}})
	eq(t, "Truncate at a boundary", a.Truncate(10), Intervals{{0, 10}})
	eq(t, "Truncate beyond", a.Truncate(100), a)
	eq(t, "Truncate to nothing", a.Truncate(0), nil)
	eq(t, "Truncate NaN", a.Truncate(math.NaN()), nil)
	if got := a.Total(); got != 30 {
		t.Errorf("Total = %v", got)
	}
	if got := a.End(); got != 50 {
		t.Errorf("End = %v", got)
	}
	for tm, want := range map[float64]bool{-1: false, 0: true, 9.99: true, 10: false, 15: false, 20: true, 49: true, 50: false, 99: false} {
		if got := a.Contains(tm); got != want {
			t.Errorf("Contains(%v) = %v", tm, got)
		}
	}
}

func TestIntervalsJSON(t *testing.T) {
	b, err := json.Marshal(Intervals{{0, 12.5}, {14, 21}})
	if err != nil || string(b) != "[[0,12.5],[14,21]]" {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if b, _ := json.Marshal(Intervals(nil)); string(b) != "[]" {
		t.Errorf("Marshal(nil) = %s", b)
	}
	var st struct {
		W Intervals `json:"w"`
	}
	if b, _ := json.Marshal(st); string(b) != `{"w":[]}` {
		t.Errorf("Marshal of a zero field = %s", b)
	}
	var iv Intervals
	if err := json.Unmarshal([]byte(`[[14,21],[0,12.5],[12,13]]`), &iv); err != nil {
		t.Fatal(err)
	}
	if len(iv) != 2 || iv[0] != (Interval{0, 13}) || iv[1] != (Interval{14, 21}) {
		t.Errorf("Unmarshal = %v, want normalised", iv)
	}
	if err := json.Unmarshal([]byte(`null`), &iv); err != nil || iv != nil {
		t.Errorf("Unmarshal(null) = %v, %v", iv, err)
	}
	for _, bad := range []string{`[[1]]`, `[[1,2,3]]`, `[[2,1]]`, `[[1,1]]`, `[[-1,2]]`, `[["0","1"]]`, `{"start":0}`, `[[0,1e999]]`} {
		if err := json.Unmarshal([]byte(bad), &iv); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, iv)
		}
	}
}

func FuzzParsePlayedSegments(f *testing.F) {
	for _, s := range []string{
		"", "0[.]12[,]14[.]21", "0.000[.]12.000[,]14.000[.]21.000", "14[.]21[,]0[.]12", "0[.]5[,]12.5",
		"0[.]5[,]12.5[.]", "3[.]3", "0[.]0.0004[,]0.0006[.]1", "1.0001[.]1.0004", "9[.]8", "0[.]1e3",
		"-1[.]2", "0[.]5[,]", "[,]", "[.]", "0[.]99999999999999999999999", "1.5[.]2.5[,]2.5[.]3.5[,]0[.]1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := ParsePlayedSegments(s)
		if err != nil {
			if !errors.Is(err, ErrPlayedSegments) {
				t.Fatalf("error %v does not wrap ErrPlayedSegments", err)
			}
			return
		}
		checkNormalised(t, "parsed", iv)
		sum := 0.0
		for _, p := range strings.Split(s, "[,]") {
			if from, to, ok := strings.Cut(p, "[.]"); ok && to != "" {
				a, _ := parseSeconds(from)
				b, _ := parseSeconds(to)
				sum += b - a
			}
		}
		if iv.Total() > sum*(1+1e-12) {
			t.Fatalf("Total %v exceeds the segments' lengths %v", iv.Total(), sum)
		}
		again, err := ParsePlayedSegments(iv.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", iv.String(), err)
		}
		checkNormalised(t, "reparsed", again)
		// Rounding to the millisecond moves each bound by at most 0.5 ms
		// (and relatively by float precision for huge times).
		eps := 1e-3 + 1e-15*iv.End()
		if !nearly(iv, again, eps) {
			t.Fatalf("%v reparsed from %q as %v", iv, iv.String(), again)
		}
	})
}

// intervalsFrom builds up to 8 intervals from fuzz bytes: each 4 bytes are
// a start and a length in eighths of a second, the length possibly 0.
func intervalsFrom(b []byte) Intervals {
	var raw []Interval
	for len(b) >= 4 && len(raw) < 8 {
		s := float64(binary.LittleEndian.Uint16(b)) / 8
		l := float64(b[2]) / 8
		if b[3]&1 == 1 {
			l = float64(b[2]) * 4 // a long one
		}
		raw = append(raw, Interval{s, s + l})
		b = b[4:]
	}
	return Normalize(raw)
}

func FuzzIntervalAlgebra(f *testing.F) {
	f.Add([]byte{0, 0, 80, 0, 160, 0, 80, 0}, []byte{40, 0, 160, 0}, 5.0, 12.0)
	f.Add([]byte{1, 0, 8, 1, 200, 1, 8, 1}, []byte{}, 0.0, 1e9)
	f.Add([]byte{}, []byte{9, 9, 9, 9}, -3.0, 2.5)
	f.Add([]byte{0, 0, 255, 1, 0, 1, 1, 0}, []byte{0, 0, 255, 1}, 100.0, 50.0)
	f.Fuzz(func(t *testing.T, ab, bb []byte, lo, x float64) {
		a, b := intervalsFrom(ab), intervalsFrom(bb)
		const eps = 1e-9
		u := Union(a, b)
		checkNormalised(t, "union", u)
		if ba := Union(b, a); !nearly(u, ba, 0) || len(u) != len(ba) {
			t.Fatalf("Union not commutative: %v, %v", u, ba)
		}
		if u.Total() > a.Total()+b.Total()+eps {
			t.Fatalf("Total(Union) %v > %v + %v", u.Total(), a.Total(), b.Total())
		}
		if u.Total() < max(a.Total(), b.Total())-eps {
			t.Fatalf("Total(Union) %v below its parts", u.Total())
		}
		d, in := a.Subtract(b), a.Intersect(b)
		checkNormalised(t, "difference", d)
		checkNormalised(t, "intersection", in)
		if !nearly(Union(d, in), a, 0) {
			t.Fatalf("(a-b) ∪ (a∩b) = %v, a = %v", Union(d, in), a)
		}
		if got := d.Intersect(b).Total(); got != 0 {
			t.Fatalf("(a-b) ∩ b has %v s", got)
		}
		if got := d.Total() + in.Total(); math.Abs(got-a.Total()) > eps*float64(len(a)+1)*a.End() {
			t.Fatalf("|a-b| + |a∩b| = %v, |a| = %v", got, a.Total())
		}
		if !nearly(in, b.Intersect(a), 0) {
			t.Fatal("Intersect not commutative")
		}
		if got := u.Subtract(a); !nearly(got, b.Subtract(a), 0) {
			t.Fatalf("(a∪b)-a = %v, b-a = %v", got, b.Subtract(a))
		}

		hi := lo + math.Abs(x)
		c := a.Clip(lo, hi)
		checkNormalised(t, "clip", c)
		if len(c) > 0 && (c[0].Start < lo || c[len(c)-1].End > hi) {
			t.Fatalf("Clip(%v, %v) = %v", lo, hi, c)
		}
		if got := c.Subtract(a).Total(); got != 0 {
			t.Fatalf("Clip added %v s", got)
		}

		tr := a.Truncate(x)
		checkNormalised(t, "truncate", tr)
		if want := max(0, min(x, a.Total())); math.Abs(tr.Total()-want) > eps*(1+a.End()) {
			t.Fatalf("Truncate(%v).Total() = %v, want %v", x, tr.Total(), want)
		}
		if got := tr.Subtract(a).Total(); got != 0 {
			t.Fatalf("Truncate added %v s", got)
		}
		if rest := a.Subtract(tr); len(tr) > 0 && len(rest) > 0 && rest[0].Start < tr[len(tr)-1].End {
			t.Fatalf("Truncate(%v) = %v kept a later part than %v", x, tr, rest[0])
		}

		for _, iv := range a {
			if !a.Contains(iv.Start) || a.Contains(iv.End) || !u.Contains(iv.Start) {
				t.Fatalf("Contains wrong at the bounds of %v in %v", iv, a)
			}
		}
		if !finite(x) {
			return
		}
		if got, want := u.Contains(x), a.Contains(x) || b.Contains(x); got != want {
			t.Fatalf("Union contains %v: %v; parts: %v", x, got, want)
		}
		if got, want := d.Contains(x), a.Contains(x) && !b.Contains(x); got != want {
			t.Fatalf("a-b contains %v: %v, want %v", x, got, want)
		}

		var back Intervals
		data, err := json.Marshal(u)
		if err != nil || json.Unmarshal(data, &back) != nil || !nearly(back, u, 0) || len(back) != len(u) {
			t.Fatalf("JSON round trip of %v: %s, %v, %v", u, data, back, err)
		}
	})
}
